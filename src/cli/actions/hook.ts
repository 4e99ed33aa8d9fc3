import { fileURLToPath } from 'node:url';
import { installHook, uninstallHook } from '../../git/hooks.js';
import { EXIT_OK } from '../../model/errors.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { PACKAGE_ROOT } from '../../util/version.js';

/** The CLI this process runs: the hook falls back to it when the repository has no stagedocs of its own. */
const THIS_CLI = fileURLToPath(new URL('dist/cli/bin.js', PACKAGE_ROOT));

export async function hookInstallAction(flags: { cwd?: string }, io: CliIo): Promise<number> {
  const { root, prefix } = await commandRoot(io, flags.cwd, 'required');
  const fallback = io.execPath ? { node: io.execPath, cli: THIS_CLI } : undefined;
  const result = await installHook(root, io.env, fallback, prefix);
  if (result.chained) io.stdout.write(`Kept the existing pre-commit hook as ${result.chained}; it runs first.\n`);
  io.stdout.write(`${result.updated ? 'Updated' : 'Installed'} the stagedocs pre-commit hook: ${result.hookPath}\n`);
  return EXIT_OK;
}

export async function hookUninstallAction(flags: { cwd?: string }, io: CliIo): Promise<number> {
  const { root } = await commandRoot(io, flags.cwd, 'required');
  const result = await uninstallHook(root, io.env);
  if (!result.removed) io.stdout.write(`No pre-commit hook at ${result.hookPath}; nothing to remove.\n`);
  else io.stdout.write(`Removed the stagedocs pre-commit hook${result.restored ? `; restored the hook it had kept (${result.restored})` : ''}.\n`);
  return EXIT_OK;
}
