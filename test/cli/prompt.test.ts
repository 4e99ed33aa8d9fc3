import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';
import { makeRepo, runCli } from '../helpers/repo.js';

/**
 * A terminal that answers each question as it is asked: answers are typed only after the question
 * appears on stderr, one line at a time, as a person would.
 */
function terminal(cwd: string, answers: string[]) {
  const stdin = new PassThrough();
  const questions: string[] = [];
  let stdout = '';
  const io: CliIo = {
    cwd,
    env: { NO_COLOR: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', PATH: process.env.PATH },
    stdout: { write: (text) => void (stdout += text), isTTY: true },
    stderr: {
      write: (text) => {
        if (/[?:]\s*(\[[^\]]*\])?\s*$/.test(text)) {
          questions.push(text.trim());
          const answer = answers.shift();
          if (answer !== undefined) setImmediate(() => stdin.write(`${answer}\n`));
        }
      },
      isTTY: true,
    },
    stdinIsTTY: true,
    stdin,
    now: () => new Date('2026-11-21T09:30:00Z'),
  };
  return { io, questions, output: () => stdout };
}

describe('on a terminal, missing values are asked for', () => {
  it('new-stage asks for the title, phase, gate and owner', async () => {
    const repo = makeRepo();
    expect(runCli(repo, ['new-phase', 'mvp', '--pattern', 'empty', '--owner', 'ana@example.com']).code).toBe(0);
    const { io, questions, output } = terminal(repo, ['Import: CSV', 'P1', 'npm test', 'bo@example.com']);
    const code = await run(['new-stage'], io);
    expect(code).toBe(0);
    expect(questions).toEqual(['Stage title:', 'Phase id (P1):', 'Gate command (must exit 0 when the stage is done):', 'Owner (e-mail):']);
    expect(output()).toContain('wrote stages/mvp/00-import-csv.md');
    const text = readFileSync(path.join(repo, 'stages/mvp/00-import-csv.md'), 'utf8');
    expect(text).toContain('title: "Import: CSV"');
    expect(text).toContain('run: "npm test"');
    expect(text).toContain('owner: "bo@example.com"');
  });

  it('an empty answer is still a usage error naming the flag', async () => {
    const repo = makeRepo();
    const { io } = terminal(repo, ['']);
    let stderr = '';
    io.stderr.write = (text) => {
      stderr += text;
      if (text.endsWith(': ')) setImmediate(() => (io.stdin as PassThrough).write('\n'));
    };
    expect(await run(['new-phase', 'mvp', '--owner', 'ana@example.com'], io)).toBe(2);
    expect(stderr).toContain('Missing --pattern <name>');
  });

  it('init asks which coding agents to set up, writes their files for the answer', async () => {
    const repo = makeRepo();
    const { io, questions, output } = terminal(repo, ['claude, codex', 'n']);
    expect(await run(['init'], io)).toBe(0);
    expect(questions[0]).toContain('Coding agents to set up');
    const settings = JSON.parse(readFileSync(path.join(repo, '.claude/settings.json'), 'utf8')) as { hooks: { PreToolUse: Array<{ hooks: Array<{ command: string }> }> } };
    expect(settings.hooks.PreToolUse[0]!.hooks[0]!.command).toMatch(/ guard$/);
    expect(readFileSync(path.join(repo, 'AGENTS.md'), 'utf8')).toContain('stagedocs context');
    expect(output()).not.toContain('Installed the stagedocs pre-commit hook');
  });

  it('init asks before installing the pre-commit hook, and installs it with the hook command\'s own code', async () => {
    const repo = makeRepo();
    const { io, questions, output } = terminal(repo, ['', 'y']);
    expect(await run(['init'], io)).toBe(0);
    expect(questions).toEqual([
      'Coding agents to set up (claude, cursor, copilot, gemini, codex; comma-separated, blank for none)?',
      'Install the pre-commit hook (validates what you commit)? [Y/n]',
    ]);
    expect(output()).toContain('Installed the stagedocs pre-commit hook');
    expect(readFileSync(path.join(repo, '.git/hooks/pre-commit'), 'utf8')).toContain('hook run');
  });
});
