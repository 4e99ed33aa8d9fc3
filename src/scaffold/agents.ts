import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../model/errors.js';
import { PACKAGE_ROOT } from '../util/version.js';
import { loadWriteAtomic } from '../util/write-atomic.js';

/** The coding agents `init --agents` writes files for. */
export const AGENT_TOOLS = ['claude', 'cursor', 'copilot', 'gemini', 'codex'] as const;
export type AgentTool = (typeof AGENT_TOOLS)[number];

const SECTION_BEGIN = '<!-- stagedocs:begin (managed by `stagedocs agents update`; edit outside these markers) -->';
const SECTION_END = '<!-- stagedocs:end -->';

/** A hook command that runs stagedocs guard: by its name on the PATH or in node_modules, or the CLI's own bin.js. */
const GUARD_HOOK = /(?:stagedocs|cli\/bin\.js)['"]?\s+guard\b/;

/** The tools Claude Code's guard hook watches: those that change a file. */
const GUARD_MATCHER = 'Edit|Write|MultiEdit|NotebookEdit';

interface AgentFileChange {
  path: string;
  /** `create` a new file, `update` one whose managed part differs, `unchanged` when it is already as wanted. */
  action: 'create' | 'update' | 'unchanged';
  content: string;
}

/** Parses `claude,cursor` (or repeated flags) into tools, refusing unknown names. */
export function parseAgentList(values: readonly string[]): AgentTool[] {
  const tools = values.flatMap((value) => value.split(',')).map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  if (tools.length === 0) throw new UsageError('--agents names no tool', `Give one or more of ${AGENT_TOOLS.join(', ')}, e.g. \`--agents claude,codex\`.`);
  for (const tool of tools) {
    if (!(AGENT_TOOLS as readonly string[]).includes(tool)) throw new UsageError(`Unknown agent \`${tool}\``, `Known agents: ${AGENT_TOOLS.join(', ')}.`);
  }
  return [...new Set(tools)] as AgentTool[];
}

/** The tools whose stagedocs files a repository already has: what `agents update` refreshes by default. */
export function detectAgentTools(root: string): AgentTool[] {
  const has = (file: string) => existsSync(path.join(root, file));
  const found: AgentTool[] = [];
  if (has('.claude/skills/stagedocs/SKILL.md')) found.push('claude');
  if (has('.cursor/rules/stagedocs.mdc')) found.push('cursor');
  if (has('.github/prompts/stagedocs-next.prompt.md')) found.push('copilot');
  if (has('.gemini/commands/stagedocs/next.toml')) found.push('gemini');
  if (readText(path.join(root, 'AGENTS.md'))?.includes(SECTION_BEGIN)) found.push('codex');
  return found;
}

/**
 * What each chosen tool reads, compared with what is there: whole files stagedocs owns (skills,
 * commands, rules, prompts), a managed section between markers in shared files (`AGENTS.md`,
 * `.github/copilot-instructions.md`; text outside the markers is kept), and Claude Code's PreToolUse
 * hook merged into `.claude/settings.json` (other settings and hooks are kept). `hookCommand` is the
 * shell command that runs `stagedocs guard`.
 */
export function planAgentFiles(root: string, tools: readonly AgentTool[], hookCommand: string): AgentFileChange[] {
  const loop = template('loop.md').trimEnd();
  const fill = (name: string) => template(name).replace('{{loop}}', loop);
  const wanted: Array<{ path: string; make: (existing: string | undefined) => string }> = [];
  const whole = (file: string, content: string) => wanted.push({ path: file, make: () => content });
  const section = (file: string, title: string) => wanted.push({ path: file, make: (existing) => withSection(existing, `## ${title}\n\n${loop}\n`) });
  for (const tool of AGENT_TOOLS.filter((name) => tools.includes(name))) {
    if (tool === 'codex') section('AGENTS.md', 'Working with stagedocs');
    if (tool === 'claude') {
      whole('.claude/skills/stagedocs/SKILL.md', fill('claude-skill.md'));
      whole('.claude/commands/stagedocs-next.md', fill('claude-command.md'));
      wanted.push({ path: '.claude/settings.json', make: (existing) => withGuardHook(existing, hookCommand) });
    }
    if (tool === 'cursor') whole('.cursor/rules/stagedocs.mdc', fill('cursor-rule.mdc'));
    if (tool === 'copilot') {
      section('.github/copilot-instructions.md', 'Working with stagedocs');
      whole('.github/prompts/stagedocs-next.prompt.md', fill('copilot-prompt.prompt.md'));
    }
    if (tool === 'gemini') whole('.gemini/commands/stagedocs/next.toml', fill('gemini-command.toml'));
  }
  return wanted.map(({ path: file, make }) => {
    const existing = readText(path.join(root, file));
    const content = make(existing);
    return { path: file, content, action: existing === undefined ? 'create' : existing === content ? 'unchanged' : 'update' };
  });
}

/**
 * Writes the planned changes that change something, each atomically (temporary file, fsync, rename):
 * these are the user's own instruction files (AGENTS.md, CLAUDE.md), and an interrupted write must not
 * leave half of one.
 */
export function writeAgentFiles(root: string, changes: readonly AgentFileChange[]): void {
  const writeAtomicSync = loadWriteAtomic().sync;
  for (const change of changes) {
    if (change.action === 'unchanged') continue;
    const target = path.join(root, change.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeAtomicSync(target, change.content);
  }
}

/** The text with the managed section replaced (or appended): everything outside the markers stays byte for byte. */
function withSection(existing: string | undefined, body: string): string {
  const block = `${SECTION_BEGIN}\n${body}${SECTION_END}\n`;
  if (existing === undefined || existing === '') return block;
  const begin = existing.indexOf(SECTION_BEGIN);
  const end = existing.indexOf(SECTION_END, begin);
  if (begin >= 0 && end > begin) {
    const after = existing.slice(end + SECTION_END.length).replace(/^\n/, '');
    return `${existing.slice(0, begin)}${block}${after}`;
  }
  return `${existing}${existing.endsWith('\n') ? '' : '\n'}\n${block}`;
}

/** `.claude/settings.json` with the guard's PreToolUse hook: replaced where a stagedocs guard hook is, else added; the rest kept. */
function withGuardHook(existing: string | undefined, command: string): string {
  let settings: Record<string, unknown> = {};
  if (existing !== undefined && existing.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch (error) {
      throw new UsageError(`.claude/settings.json is not valid JSON (${(error as Error).message})`, 'Fix it (it is never overwritten), then run the command again.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('.claude/settings.json is not a JSON object', 'Fix it, then run the command again.');
    settings = parsed as Record<string, unknown>;
  }
  const hooks = isRecord(settings.hooks) ? { ...settings.hooks } : {};
  const groups = Array.isArray(hooks.PreToolUse) ? [...(hooks.PreToolUse as unknown[])] : [];
  const ours = { matcher: GUARD_MATCHER, hooks: [{ type: 'command', command, timeout: 30 }] };
  const index = groups.findIndex((group) => isRecord(group) && Array.isArray(group.hooks) && group.hooks.some((hook) => isRecord(hook) && typeof hook.command === 'string' && GUARD_HOOK.test(hook.command)));
  if (index >= 0) groups[index] = ours;
  else groups.push(ours);
  hooks.PreToolUse = groups;
  return `${JSON.stringify({ ...settings, hooks }, null, 2)}\n`;
}

function template(name: string): string {
  return readFileSync(new URL(`templates/agents/${name}`, PACKAGE_ROOT), 'utf8');
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
