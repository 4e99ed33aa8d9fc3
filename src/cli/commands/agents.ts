import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_OK, UsageError } from '../../model/errors.js';
import { AGENT_TOOLS, detectAgentTools, parseAgentList, planAgentFiles, writeAgentFiles, type AgentTool } from '../../scaffold/agents.js';
import { shellQuote } from '../../util/shell-quote.js';
import { PACKAGE_ROOT } from '../../util/version.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { collect, examples } from '../options.js';

/** The CLI this process runs: the guard hook falls back to it when the repository has no stagedocs of its own. */
const THIS_CLI = fileURLToPath(new URL('dist/cli/bin.js', PACKAGE_ROOT));

export function register(command: Command, context: CommandContext): void {
  command
    .command('update')
    .description(
      `Writes (again) the files each coding agent reads so that it works inside the stagedocs contract: ${AGENT_TOOLS.join(', ')}. ` +
        'Without --agents, the agents whose stagedocs files the repository already has. Idempotent; text outside the managed markers is kept.',
    )
    .option('--agents <list>', `comma-separated: ${AGENT_TOOLS.join(', ')} (repeatable)`, collect, [])
    .option('--dry-run', 'list what would change, write nothing')
    .addHelpText('after', examples('stagedocs agents update', 'stagedocs agents update --agents claude,codex --dry-run'))
    .action(async (flags: { agents: string[]; dryRun?: boolean }, sub: Command) => {
      const all = { ...sub.optsWithGlobals(), ...flags } as { agents: string[]; dryRun?: boolean; cwd?: string };
      const { root } = await commandRoot(context.io, all.cwd, 'optional');
      const tools = all.agents.length > 0 ? parseAgentList(all.agents) : detectAgentTools(root);
      if (tools.length === 0) throw new UsageError('No agent files to update', `Name the agents: \`stagedocs agents update --agents ${AGENT_TOOLS.join(',')}\` (any of them).`);
      context.setExitCode(writeAgents(root, tools, all.dryRun, context.io));
    });
}

/** The shell command Claude Code's hook runs: the repository's own stagedocs when installed, else this one. */
function guardCommand(root: string, io: CliIo): string {
  if (existsSync(path.join(root, 'node_modules', '.bin', 'stagedocs'))) return '"$CLAUDE_PROJECT_DIR"/node_modules/.bin/stagedocs guard';
  return `${shellQuote(io.execPath ?? 'node')} ${shellQuote(THIS_CLI)} guard`;
}

/** Plans, prints and (unless dry-run) writes the agents' files; used by `init --agents` too. */
export function writeAgents(root: string, tools: readonly AgentTool[], dryRun: boolean | undefined, io: CliIo, sayDryRun = true): number {
  const changes = planAgentFiles(root, tools, guardCommand(root, io));
  if (!dryRun) writeAgentFiles(root, changes);
  for (const change of changes) {
    const verb = change.action === 'unchanged' ? 'unchanged' : dryRun ? `would ${change.action}` : change.action === 'create' ? 'wrote' : 'updated';
    io.stdout.write(`${verb} ${change.path}\n`);
  }
  if (dryRun && sayDryRun) io.stdout.write('\n--dry-run: nothing was written.\n');
  return EXIT_OK;
}
