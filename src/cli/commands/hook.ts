import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { installHook, uninstallHook } from '../../git/hooks.js';
import { EXIT_OK } from '../../model/errors.js';
import { PACKAGE_ROOT } from '../../util/version.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption } from '../options.js';

export function register(command: Command, context: CommandContext): void {
  const hook = command
    .description('The pre-commit hook validates what is being committed (the git index), not the working tree.')
    .addHelpText('after', examples('stagedocs hook install', 'stagedocs hook run', 'stagedocs hook uninstall'));

  hook
    .command('install')
    .description(
      'Writes the pre-commit hook where git runs hooks (core.hooksPath honoured). A pre-commit hook stagedocs did not write is kept as pre-commit.local and run first.',
    )
    .addHelpText('after', examples('stagedocs hook install', 'git config core.hooksPath .githooks && stagedocs hook install'))
    .action(async (_flags: object, command: Command) => {
      context.setExitCode(await hookInstallAction(command.optsWithGlobals(), context.io));
    });

  hook
    .command('uninstall')
    .description('Removes the hook stagedocs wrote, and puts back a hook it had kept as pre-commit.local. Any other hook is left alone.')
    .addHelpText('after', examples('stagedocs hook uninstall'))
    .action(async (_flags: object, command: Command) => {
      context.setExitCode(await hookUninstallAction(command.optsWithGlobals(), context.io));
    });

  hook
    .command('run')
    .description('Validates the staged documents (GIT_INDEX_FILE honoured) and rejects staged changes to protected paths of open stages. Same as `validate --staged`.')
    .addOption(formatOption(['pretty', 'json', 'github', 'sarif'] as const, 'pretty'))
    .option('--no-cache', 'ignore and do not write the caches (kept in the git directory)')
    .option(
      '--pre-commit-framework',
      'as a hook of the pre-commit framework: the staged content when git runs it for a commit (git sets GIT_INDEX_FILE), the whole repository otherwise (`pre-commit run --all-files`, pre-push)',
    )
    .addHelpText('after', examples('stagedocs hook run', 'GIT_INDEX_FILE=.git/index stagedocs hook run --format json', 'pre-commit run --all-files   # runs `stagedocs hook run --pre-commit-framework`'))
    .action(async (_flags: object, command: Command) => {
      const { validateAction } = await import('./validate.js');
      const { preCommitFramework, ...flags } = command.optsWithGlobals() as { format: 'pretty' | 'json' | 'github' | 'sarif'; cache: boolean; cwd?: string; preCommitFramework?: boolean };
      // `pre-commit run --all-files` (what CI runs) stages nothing: checking the index there would check no file.
      const staged = !preCommitFramework || Boolean(context.io.env.GIT_INDEX_FILE);
      context.setExitCode(await validateAction([], { ...flags, staged }, context.io));
    });
}

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

async function hookUninstallAction(flags: { cwd?: string }, io: CliIo): Promise<number> {
  const { root } = await commandRoot(io, flags.cwd, 'required');
  const result = await uninstallHook(root, io.env);
  if (!result.removed) io.stdout.write(`No pre-commit hook at ${result.hookPath}; nothing to remove.\n`);
  else io.stdout.write(`Removed the stagedocs pre-commit hook${result.restored ? `; restored the hook it had kept (${result.restored})` : ''}.\n`);
  return EXIT_OK;
}
