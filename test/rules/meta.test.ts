import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { DOCS_ROOT, FIXTURES_ROOT, fixtureCases } from './fixture-cases.js';

/** Every rule is described, documented and proven by fixtures; nothing documents a rule that does not exist. */
describe('rule registry', () => {
  const ids = RULES.map((rule) => rule.meta.id);

  it('has unique ids that equal the rule module file names', () => {
    expect(new Set(ids).size).toBe(ids.length);
    const modules = readdirSync(new URL('../../src/rules/', import.meta.url))
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts' && file !== 'types.ts')
      .map((file) => file.replace(/\.ts$/, ''));
    expect([...modules].sort()).toEqual([...ids].sort());
  });

  it.each(ids)('%s has a description, a docs page, and ok and not-ok fixtures', (id) => {
    const rule = RULES.find((candidate) => candidate.meta.id === id)!;
    expect(rule.meta.description.trim().length, 'description').toBeGreaterThan(20);
    const page = path.join(DOCS_ROOT, `${id}.md`);
    expect(existsSync(page), `docs/rules/${id}.md`).toBe(true);
    const text = readFileSync(page, 'utf8');
    expect(text.startsWith(`# ${id}\n`), 'docs page starts with `# <id>`').toBe(true);
    for (const heading of ['## What it checks', '## Why', '## Example', '## How to fix', '## Configuration']) {
      expect(text, `docs/rules/${id}.md lacks ${heading}`).toContain(heading);
    }
    const cases = fixtureCases(id);
    expect(cases.some((fixture) => fixture.expectation === 'not-ok'), 'a failing fixture').toBe(true);
    expect(cases.some((fixture) => fixture.expectation === 'ok'), 'a passing fixture').toBe(true);
  });

  it('documents no rule that does not exist, and indexes every rule in docs/rules/README.md', () => {
    const pages = readdirSync(DOCS_ROOT).filter((file) => file.endsWith('.md') && file !== 'README.md');
    expect(pages.map((page) => page.replace(/\.md$/, '')).sort()).toEqual([...ids].sort());
    const index = readFileSync(path.join(DOCS_ROOT, 'README.md'), 'utf8');
    for (const id of ids) expect(index, `README links ${id}`).toContain(`](${id}.md)`);
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

  it('has fixtures only for rules that exist, and an expected output for every failing fixture', () => {
    expect(readdirSync(FIXTURES_ROOT).filter((entry) => !entry.startsWith('.') && !ids.includes(entry))).toEqual([]);
    for (const id of ids) {
      for (const fixture of fixtureCases(id)) {
        if (fixture.expectation === 'not-ok') expect(existsSync(fixture.expectedFile), fixture.expectedFile).toBe(true);
      }
    }
  });
});
