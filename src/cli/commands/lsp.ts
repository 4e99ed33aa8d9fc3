import type { Command } from 'commander';
import { Writable } from 'node:stream';
import { startServer } from '../../lsp/server.js';
import { resolveRoot } from '../../git/root.js';
import { UsageError } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { workingDirectory } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, nonNegativeInteger } from '../options.js';

interface LspFlags {
  cwd?: string;
  /** Accepted for clients that pass it (VS Code's language client does); stdio is the only transport. */
  stdio?: boolean;
  debounce?: number;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Speaks the Language Server Protocol over stdin and stdout, for editors: the diagnostics of `stagedocs validate` for every open phase, stage, decision note and freeze file as it is typed, hover and completion from the JSON Schemas and the ids of the repository, and quick fixes for the mechanical hints. The repository is the one of the workspace folder the editor opens (or of --cwd). docs/editors.md has the setup for VS Code, Neovim, Helix and Zed.',
    )
    .option('--stdio', 'communicate over stdin and stdout (the default and only transport)')
    .option('--debounce <ms>', 'quiet time after an edit before validating', nonNegativeInteger, 50)
    .addHelpText('after', examples('stagedocs lsp', 'stagedocs lsp --stdio --cwd path/to/repository', 'stagedocs lsp --debounce 150'))
    .action(async (flags: LspFlags, command: Command) => {
      context.setExitCode(await lspAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

/** Runs the language server on standard input and output until the client exits; returns the protocol's exit code. */
async function lspAction(flags: LspFlags, io: CliIo): Promise<number> {
  if (!io.stdin) throw new UsageError('`stagedocs lsp` needs standard input', 'Start it from an editor, which speaks LSP over stdin and stdout.');
  const cwd = workingDirectory(io, flags.cwd);
  // The protocol's messages are bytes with a Content-Length: written as they come, never re-encoded.
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      io.stdout.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
  });
  const input = io.stdin;
  const code = await startServer({
    input,
    output,
    env: io.env,
    ...(flags.cwd === undefined ? {} : { root: (await resolveRoot(cwd, io.env, { git: 'optional' })).root }),
    rootFor: async (folder) => (await resolveRoot(folder, io.env, { git: 'optional' })).root,
    cwd,
    debounceMs: flags.debounce,
  });
  // The client said exit (or went away): stop reading, so that nothing keeps the process alive.
  if ('destroy' in input && typeof input.destroy === 'function') input.destroy();
  return code;
}
