import type { Command } from 'commander';
import { EXIT_OK } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { examples } from '../options.js';

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Serves the repository over the Model Context Protocol on stdin and stdout, for coding agents: the tools status, next, context, validate, gate_run, ' +
        'new_decision, trace and audit_pack (the same verdicts and errors as the CLI), and the documents and the gate registry as resources. ' +
        'Runs until the client closes stdin; nothing else is written to stdout.',
    )
    .addHelpText('after', examples('stagedocs mcp', 'claude mcp add stagedocs -- npx stagedocs mcp', 'stagedocs mcp --cwd path/to/repository'))
    .action(async (flags: { cwd?: string }, command: Command) => {
      context.setExitCode(await mcpAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function mcpAction(flags: { cwd?: string }, io: CliIo): Promise<number> {
  const root = await commandRoot(io, flags.cwd, 'optional');
  // The SDK is loaded by this command only: no other command pays for it.
  const [{ createServer }, { StdioServerTransport }] = await Promise.all([import('../../mcp/server.js'), import('@modelcontextprotocol/sdk/server/stdio.js')]);
  const server = createServer({ root, env: io.env, now: io.now, nodeVersion: io.nodeVersion });
  // The transport needs the real streams (it waits for 'drain' on a full pipe).
  const transport = new StdioServerTransport(process.stdin, process.stdout);
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
  await server.close();
  return EXIT_OK;
}
