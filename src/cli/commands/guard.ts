import type { Command } from 'commander';
import { guardEdit, type GuardVerdict } from '../../api/guard.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { workingDirectory } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption } from '../options.js';

/** The Claude Code tools that change a file; every other tool is not the guard's to judge. */
const EDIT_TOOLS: readonly string[] = ['Edit', 'Write', 'MultiEdit', 'NotebookEdit'];

/** Claude Code's contract for PreToolUse hooks: exit 2 blocks the tool and shows stderr to the model. */
const EXIT_BLOCK = 2;

interface GuardFlags {
  path?: string;
  format: 'pretty' | 'json';
  cache?: boolean;
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Checks an edit an agent is about to make against the contracts in the repository: refuses a protected path of an open stage or phase, ' +
        "a path in an open phase's agents.must_not_modify or outside its agents.may_modify, and the gate evidence. " +
        "Reads Claude Code's PreToolUse hook input (JSON on stdin: tool_name, tool_input.file_path, cwd) unless --path is given. " +
        'Hook form: exit 0 allows, exit 2 blocks with the reason on stderr; --format json prints hookSpecificOutput.permissionDecision instead (exit 0). ' +
        '--path form: exit 0 allowed, 1 refused, 2 usage error. A path outside the repository is not judged.',
    )
    .option('--path <file>', 'judge this file (relative to --cwd) instead of reading hook input from stdin')
    .addOption(formatOption(['pretty', 'json'] as const, 'pretty'))
    .option('--no-cache', 'read every phase and stage document again instead of the index kept in the git directory')
    .addHelpText(
      'after',
      examples(
        'stagedocs guard --path schema/users.sql',
        `echo '{"tool_name":"Edit","tool_input":{"file_path":"/repo/schema/users.sql"},"cwd":"/repo"}' | stagedocs guard`,
        'stagedocs guard --format json < payload.json',
      ),
    )
    .action(async (flags: GuardFlags, command: Command) => {
      context.setExitCode(await guardAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function guardAction(flags: GuardFlags, io: CliIo): Promise<number> {
  const cwd = workingDirectory(io, flags.cwd);
  if (flags.path !== undefined) {
    if (flags.path === '') throw new UsageError('--path is empty', 'Give the file to check, e.g. `--path src/api.ts`.');
    const verdict = await guardEdit({ cwd, path: flags.path, cache: flags.cache });
    if (flags.format === 'json') {
      io.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
      return verdict.allowed ? EXIT_OK : EXIT_FAILED;
    }
    if (verdict.allowed) {
      io.stdout.write(verdict.judged ? `allowed: ${verdict.file}\n` : `not judged (outside a stagedocs repository): ${flags.path}\n`);
      return EXIT_OK;
    }
    io.stderr.write(refusalText(verdict));
    return EXIT_FAILED;
  }

  // The hook form: what is wrong with the input is said on stderr, and the edit is blocked (exit 2), so
  // that a broken hook configuration is noticed rather than silently letting every edit through.
  if (io.stdinIsTTY || !io.stdin) throw new UsageError('No hook input: stdin is a terminal', "Give --path <file>, or pipe Claude Code's PreToolUse hook input (JSON) to stdin.");
  const raw = await readAll(io.stdin);
  const input = parseHookInput(raw);
  if (typeof input === 'string') {
    io.stderr.write(`stagedocs guard: ${input}\n`);
    return EXIT_BLOCK;
  }
  if (input === undefined) return allow(flags, io);
  let baseCwd = cwd;
  if (flags.cwd === undefined && input.cwd !== undefined) baseCwd = input.cwd;
  const verdict = await guardEdit({ cwd: baseCwd, path: input.file, cache: flags.cache });
  if (verdict.allowed) return allow(flags, io);
  const reason = refusalText(verdict);
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason.trimEnd() } })}\n`);
    return EXIT_OK;
  }
  io.stderr.write(reason);
  return EXIT_BLOCK;
}

/** An allowed edit leaves the decision to the host's own permissions: nothing on stderr, `{}` in JSON. */
function allow(flags: GuardFlags, io: CliIo): number {
  if (flags.format === 'json') io.stdout.write('{}\n');
  return EXIT_OK;
}

/** What the hook input asks to edit; undefined for a tool the guard does not judge; a string saying what is wrong. */
function parseHookInput(raw: string): { file: string; cwd?: string } | undefined | string {
  if (raw.trim() === '') return 'the hook input on stdin is empty; expected the PreToolUse JSON ({"tool_name": ..., "tool_input": {"file_path": ...}, "cwd": ...})';
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return `the hook input on stdin is not JSON (${(error as Error).message}); expected the PreToolUse JSON with tool_name and tool_input.file_path`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the hook input is not a JSON object; expected {"tool_name": ..., "tool_input": {...}}';
  const record = value as Record<string, unknown>;
  if (typeof record.tool_name !== 'string') return 'the hook input has no `tool_name` string';
  if (!EDIT_TOOLS.includes(record.tool_name)) return undefined;
  const toolInput = record.tool_input;
  if (typeof toolInput !== 'object' || toolInput === null) return `the hook input for ${record.tool_name} has no \`tool_input\` object`;
  const fields = toolInput as Record<string, unknown>;
  const file = fields.file_path ?? fields.notebook_path;
  if (typeof file !== 'string' || file === '') return `the hook input for ${record.tool_name} has no \`tool_input.file_path\` string`;
  if (record.cwd !== undefined && typeof record.cwd !== 'string') return 'the hook input has a `cwd` that is not a string';
  return { file, cwd: record.cwd as string | undefined };
}

function refusalText(verdict: GuardVerdict): string {
  const lines = [`stagedocs guard: editing \`${verdict.file}\` is refused by the repository's contract.`];
  for (const refusal of verdict.refusals) lines.push(`- ${refusal.message}.`, `  Instead: ${refusal.hint}`);
  return `${lines.join('\n')}\n`;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
