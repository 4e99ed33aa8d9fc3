import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { performRepair, repairBlocks } from '../helpers/repairs.js';
import { makeRepo, git, runCli } from '../helpers/repo.js';
import { fixtureCases, virtualPath } from '../rules/fixture-cases.js';

/**
 * A fixture's runs were recorded at a commit of the repository the fixture was made in, which this
 * test's repository cannot have; the library (no git) does not check it, `validate` in git does. So
 * the runs are moved to this repository's HEAD: the commit in each report.json, its registry row, and
 * the row's report hash where the row matched the report (a row edited on purpose stays edited).
 */
function recordRunsAtHead(repo: string): void {
  const registry = path.join(repo, 'gate_results/gate_registry.csv');
  if (!existsSync(registry)) return;
  const head = git(repo, 'rev-parse', 'HEAD').trim();
  let rows = readFileSync(registry, 'utf8');
  for (const entry of readdirSync(path.join(repo, 'gate_results'))) {
    const file = path.join(repo, 'gate_results', entry, 'report.json');
    if (!existsSync(file)) continue;
    const before = readFileSync(file, 'utf8');
    const commit = (JSON.parse(before) as { commit: string | null }).commit;
    if (!commit) continue;
    const after = before.replaceAll(commit, head);
    writeFileSync(file, after);
    rows = rows.replaceAll(commit, head).replaceAll(sha256(before), sha256(after));
  }
  writeFileSync(registry, rows);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'fixture runs at this commit');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

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
    if (fixture.kind === 'tree') recordRunsAtHead(repo);

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

    // The rule page's repair for this fixture (a `sh repair <fixture>` block), performed as written, clears the rule.
    const repair = repairBlocks(ruleId).get(fixture.name);
    if (repair === undefined) return;
    const repaired = performRepair(repo, repair, { FILE: relative ?? '' });
    expect(repaired.code, `the repair in docs/rules/${ruleId}.md failed: ${repaired.stderr}`).toBe(0);
    const after = JSON.parse(runCli(repo, ['validate', '--format', 'json']).stdout) as { diagnostics: Array<{ ruleId: string; message: string }> };
    expect(after.diagnostics.filter((d) => d.ruleId === ruleId).map((d) => d.message)).toEqual([]);
  });
});
