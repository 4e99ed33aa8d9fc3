import { Writable } from 'node:stream';
import { startServer } from '../../lsp/server.js';
import { UsageError } from '../../model/errors.js';
import { findRoot, workingDirectory } from '../context.js';
import type { CliIo } from '../io.js';
import type { LspFlags } from '../commands/lsp.js';

/** Runs the language server on standard input and output until the client exits; returns the protocol's exit code. */
export async function lspAction(flags: LspFlags, io: CliIo): Promise<number> {
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
    ...(flags.cwd === undefined ? {} : { root: findRoot(cwd) }),
    rootFor: findRoot,
    cwd,
    debounceMs: flags.debounce,
  });
  // The client said exit (or went away): stop reading, so that nothing keeps the process alive.
  if ('destroy' in input && typeof input.destroy === 'function') input.destroy();
  return code;
}
