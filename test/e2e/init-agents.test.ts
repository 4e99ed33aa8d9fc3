import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { phase, stage } from '../helpers/documents.js';
import { GIT_ENV, makeRepo, runCli } from '../helpers/repo.js';

const FILES: Record<string, string[]> = {
  claude: ['.claude/skills/stagedocs/SKILL.md', '.claude/commands/stagedocs-next.md', '.claude/settings.json'],
  cursor: ['.cursor/rules/stagedocs.mdc'],
  copilot: ['.github/copilot-instructions.md', '.github/prompts/stagedocs-next.prompt.md'],
  gemini: ['.gemini/commands/stagedocs/next.toml'],
  codex: ['AGENTS.md'],
};

function repo(): string {
  return makeRepo({
    'stages/mvp/phase.md': phase(),
    'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress', extra: 'protected: ["schema/**"]\n' }),
  });
}

describe('stagedocs init --agents', () => {
  for (const [tool, files] of Object.entries(FILES)) {
    it(`writes what ${tool} reads, and a second run changes nothing`, () => {
      const dir = repo();
      const first = runCli(dir, ['init', '--agents', tool]);
      expect(first.code).toBe(0);
      for (const file of files) {
        expect(first.stdout).toContain(`wrote ${file}`);
        expect(readFileSync(`${dir}/${file}`, 'utf8')).toMatch(file.endsWith('settings.json') ? /bin\.js' guard|stagedocs guard/ : /stagedocs context/);
      }
      const before = files.map((file) => readFileSync(`${dir}/${file}`, 'utf8'));
      const second = runCli(dir, ['agents', 'update']);
      expect(second.code).toBe(0);
      for (const file of files) expect(second.stdout).toContain(`unchanged ${file}`);
      expect(files.map((file) => readFileSync(`${dir}/${file}`, 'utf8'))).toEqual(before);
    });
  }

  it('keeps text outside the markers and other settings; --dry-run writes nothing', () => {
    const dir = repo();
    writeFileSync(`${dir}/AGENTS.md`, '# Our agents\n\nUse pnpm.\n');
    writeFileSync(`${dir}/.claude-keep`, '');
    const settings = { permissions: { allow: ['Bash(npm test)'] }, hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'echo hi' }] }] } };
    spawnSync('mkdir', ['-p', `${dir}/.claude`]);
    writeFileSync(`${dir}/.claude/settings.json`, JSON.stringify(settings));
    const dry = runCli(dir, ['agents', 'update', '--agents', 'codex,claude', '--dry-run']);
    expect(dry.stdout).toContain('would update AGENTS.md');
    expect(readFileSync(`${dir}/AGENTS.md`, 'utf8')).toBe('# Our agents\n\nUse pnpm.\n');
    expect(runCli(dir, ['agents', 'update', '--agents', 'codex,claude']).code).toBe(0);
    writeFileSync(`${dir}/AGENTS.md`, `${readFileSync(`${dir}/AGENTS.md`, 'utf8')}\n## Ours, after\n`);
    expect(runCli(dir, ['agents', 'update']).code).toBe(0);
    const agents = readFileSync(`${dir}/AGENTS.md`, 'utf8');
    expect(agents.startsWith('# Our agents\n\nUse pnpm.\n')).toBe(true);
    expect(agents).toContain('## Ours, after');
    expect(agents.match(/stagedocs:begin/g)).toHaveLength(1);
    const merged = JSON.parse(readFileSync(`${dir}/.claude/settings.json`, 'utf8'));
    expect(merged.permissions).toEqual(settings.permissions);
    expect(merged.hooks.PreToolUse).toHaveLength(2);
    expect(merged.hooks.PreToolUse[0]).toEqual(settings.hooks.PreToolUse[0]);
  });

  it('configures a Claude Code hook that really runs stagedocs guard', () => {
    const dir = repo();
    expect(runCli(dir, ['init', '--agents', 'claude']).code).toBe(0);
    const settings = JSON.parse(readFileSync(`${dir}/.claude/settings.json`, 'utf8'));
    const group = settings.hooks.PreToolUse.find((entry: { matcher: string }) => entry.matcher.includes('Edit'));
    expect(group.matcher).toBe('Edit|Write|MultiEdit|NotebookEdit');
    const command: string = group.hooks[0].command;
    // As Claude Code runs it: through a shell, in the project, with the payload on stdin.
    const run = (file: string) =>
      spawnSync('sh', ['-c', command], { cwd: dir, env: { ...GIT_ENV, CLAUDE_PROJECT_DIR: dir }, input: JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: `${dir}/${file}`, content: 'x' }, cwd: dir }), encoding: 'utf8' });
    const refused = run('schema/users.sql');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('protected by stage P1-S00');
    expect(run('src/api.ts').status).toBe(0);
  });

  it('refuses an unknown agent', () => {
    const result = runCli(repo(), ['init', '--agents', 'vim']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown agent `vim`');
  });
});
