import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GIT_FED_RULES, RULES } from '../../src/rules/index.js';
import { DOCS_ROOT, FIXTURES_ROOT, fixtureCases } from './fixture-cases.js';

/** Every rule is described, documented and proven by fixtures; nothing documents a rule that does not exist. */
/** The modules of src/rules/ that are not rules: the registry, the rule types, and the adapter for git-fed findings. */
const NOT_RULE_MODULES = ['index.ts', 'types.ts', 'precomputed.ts'];

/**
 * Document and repository rules (RULES) are proven by golden fixtures: documents or small trees that the
 * engine validates. Git-fed rules (GIT_FED_RULES) judge commits and the index, which no file tree
 * holds, so a fixture folder cannot show them; their proof is an end-to-end test on a real git
 * repository that asserts their `ruleId`, and their docs page names that test. Every other requirement
 * (description, docs page and its sections, index entry) is the same for both.
 */
const GIT_FED_TESTS = ['test/e2e/git-history.test.ts', 'test/e2e/git-hook.test.ts', 'test/e2e/freeze-guard.test.ts'];

describe('rule registry', () => {
  const ids = RULES.map((rule) => rule.meta.id);
  const gitFedIds = GIT_FED_RULES.map((meta) => meta.id);
  const allIds = [...ids, ...gitFedIds];

  it('has unique ids that equal the rule module file names', () => {
    expect(new Set(allIds).size).toBe(allIds.length);
    const modules = readdirSync(new URL('../../src/rules/', import.meta.url))
      .filter((file) => file.endsWith('.ts') && !NOT_RULE_MODULES.includes(file))
      .map((file) => file.replace(/\.ts$/, ''));
    expect([...modules].sort()).toEqual([...allIds].sort());
  });

  it.each(allIds)('%s has a description and a docs page with every section', (id) => {
    const meta = RULES.find((candidate) => candidate.meta.id === id)?.meta ?? GIT_FED_RULES.find((candidate) => candidate.id === id)!;
    expect(meta.description.trim().length, 'description').toBeGreaterThan(20);
    const page = path.join(DOCS_ROOT, `${id}.md`);
    expect(existsSync(page), `docs/rules/${id}.md`).toBe(true);
    const text = readFileSync(page, 'utf8');
    expect(text.startsWith(`# ${id}\n`), 'docs page starts with `# <id>`').toBe(true);
    for (const heading of ['## What it checks', '## Why', '## Example', '## How to fix', '## Configuration']) {
      expect(text, `docs/rules/${id}.md lacks ${heading}`).toContain(heading);
    }
  });

  it.each(ids)('%s has ok and not-ok fixtures', (id) => {
    const cases = fixtureCases(id);
    expect(cases.some((fixture) => fixture.expectation === 'not-ok'), 'a failing fixture').toBe(true);
    expect(cases.some((fixture) => fixture.expectation === 'ok'), 'a passing fixture').toBe(true);
  });

  it('documents no rule that does not exist, and indexes every rule in docs/rules/README.md', () => {
    const pages = readdirSync(DOCS_ROOT).filter((file) => file.endsWith('.md') && file !== 'README.md');
    expect(pages.map((page) => page.replace(/\.md$/, '')).sort()).toEqual([...allIds].sort());
    const index = readFileSync(path.join(DOCS_ROOT, 'README.md'), 'utf8');
    for (const id of allIds) expect(index, `README links ${id}`).toContain(`](${id}.md)`);
  });

  it.each(ids)('%s: the docs page shows output that its fixtures still produce', (id) => {
    const text = readFileSync(path.join(DOCS_ROOT, `${id}.md`), 'utf8');
    for (const reference of text.matchAll(/`(test\/fixtures\/rules\/[^`]+)`/g)) {
      expect(existsSync(path.join(DOCS_ROOT, '../..', reference[1]!)), reference[1]).toBe(true);
    }
    const expected = fixtureCases(id)
      .filter((fixture) => fixture.expectation === 'not-ok')
      .map((fixture) => readFileSync(fixture.expectedFile, 'utf8'))
      .join('');
    const shown = [...text.matchAll(/^\S+?:(\d+):(\d+) {2}(?:error|warning) +(.*) {2}(\S+)$/gm)];
    expect(shown.length, 'the page shows at least one diagnostic').toBeGreaterThan(0);
    for (const [, line, column, message, ruleId] of shown) {
      expect(expected, 'docs output matches a fixture').toContain(`${line}:${column} ${ruleId} ${message}\n`);
    }
  });

  it.each(gitFedIds)('%s (git-fed): the docs page names an end-to-end git test that asserts the rule', (id) => {
    expect(fixtureCases(id), 'git-fed rules have no fixture folder; their proof is the e2e test').toEqual([]);
    const text = readFileSync(path.join(DOCS_ROOT, `${id}.md`), 'utf8');
    const named = GIT_FED_TESTS.filter((test) => text.includes(`\`${test}\``));
    expect(named.length, `docs/rules/${id}.md names its e2e test`).toBeGreaterThan(0);
    for (const test of named) {
      expect(readFileSync(path.join(DOCS_ROOT, '../..', test), 'utf8'), `${test} asserts ${id}`).toContain(`ruleId: '${id}'`);
    }
  });

  it('has fixtures only for rules that exist, and an expected output for every failing fixture', () => {
    expect(readdirSync(FIXTURES_ROOT).filter((entry) => !entry.startsWith('.') && !ids.includes(entry))).toEqual([]);
    for (const id of ids) {
      for (const fixture of fixtureCases(id)) {
        if (fixture.expectation === 'not-ok') expect(existsSync(fixture.expectedFile), fixture.expectedFile).toBe(true);
      }
    }
  });
});
