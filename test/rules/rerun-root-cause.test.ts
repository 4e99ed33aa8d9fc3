import { defaultConfig } from '../../src/model/config.js';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DocumentSource } from '../../src/engine/source.js';
import { validateRepository } from '../../src/engine/validate.js';
import { ruleById } from '../../src/rules/index.js';

/**
 * Golden fixtures of `rerun-root-cause` (`test/fixtures/rules/<rule-id>/{ok,not-ok}-<name>.md`, with
 * `<name>.expected` holding `line:column ruleId message` and the hint). `UPDATE_GOLDEN=1` rewrites them.
 */
const RULE = 'rerun-root-cause';
const DIR = fileURLToPath(new URL(`../fixtures/rules/${RULE}/`, import.meta.url));
const fixtures = readdirSync(DIR).filter((name) => name.endsWith('.md')).sort();

async function run(name: string) {
  const file = `decisions/${name}`;
  const bytes = readFileSync(path.join(DIR, name));
  const source: DocumentSource = { list: async () => [file], read: async () => bytes, exists: (target) => target === file };
  const config = defaultConfig();
  const result = await validateRepository({ root: DIR, config, configHash: 'fixture', toolVersion: 'fixture', source, cacheDir: undefined });
  return result.diagnostics;
}

describe(`rule ${RULE}`, () => {
  it('is registered, documented and has failing fixtures', () => {
    expect(ruleById(RULE)?.meta.defaultSeverity).toBe('error');
    expect(existsSync(fileURLToPath(new URL(`../../docs/rules/${RULE}.md`, import.meta.url)))).toBe(true);
    expect(fixtures.filter((name) => name.startsWith('not-ok-')).length).toBeGreaterThan(0);
  });

  it.each(fixtures)('%s', async (name) => {
    const diagnostics = await run(name);
    if (name.startsWith('ok-')) {
      expect(diagnostics).toEqual([]);
      return;
    }
    // Only this rule complains: the fixture is otherwise a valid decision note.
    expect(diagnostics.map((d) => d.ruleId)).toEqual([RULE]);
    const output = diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId} ${d.message}\n  hint: ${d.hint}\n`).join('');
    const expectedFile = path.join(DIR, name.replace(/\.md$/, '.expected'));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, output);
    expect(output).toBe(readFileSync(expectedFile, 'utf8'));
  });
});
