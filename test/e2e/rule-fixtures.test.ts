import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { makeRepo, git, runCli } from '../helpers/repo.js';
import { fixtureCases, virtualPath } from '../rules/fixture-cases.js';

/**
 * Every failing golden fixture, committed to a real git repository and checked by the built CLI: the
 * CLI reports the same file, line, column and message as the library, and exits with the rule's code.
 */
describe.each(RULES.map((rule) => rule.meta.id))('rule %s through the built CLI', (ruleId) => {
  const failing = fixtureCases(ruleId).filter((fixture) => fixture.expectation === 'not-ok');
  it.each(failing.map((fixture) => [fixture.name, fixture] as const))('%s', (_name, fixture) => {
    const repo = makeRepo();
    let relative: string | undefined;
    if (fixture.kind === 'tree') {
      cpSync(fixture.fixture, repo, { recursive: true });
    } else {
      const bytes = readFileSync(fixture.fixture);
      relative = virtualPath(path.basename(fixture.fixture), bytes);
      cpSync(fixture.fixture, path.join(repo, relative));
    }
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'fixture');

    const result = runCli(repo, ['validate', '--format', 'json']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { diagnostics: Array<{ file: string; line: number; column: number; ruleId: string; severity: string; message: string; hint?: string }> };
    const lines = report.diagnostics
      .filter((d) => d.ruleId === ruleId)
      .flatMap((d) => [`${relative ? '' : `${d.file}:`}${d.line}:${d.column} ${d.ruleId} ${d.message}`, ...(d.hint ? [`  hint: ${d.hint}`] : [])]);
    expect(`${lines.join('\n')}\n`).toBe(readFileSync(fixture.expectedFile, 'utf8'));
    if (relative) expect(report.diagnostics.filter((d) => d.ruleId === ruleId).every((d) => d.file === relative)).toBe(true);

    const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
    expect(result.code).toBe(errors > 0 ? 1 : 0);
  });
});
