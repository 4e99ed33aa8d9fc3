import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { fixtureCases, runFixture } from './fixture-cases.js';

/** `UPDATE_GOLDEN=1 npx vitest run test/rules` rewrites the expected files; review them in the diff. */
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const PARSE_AND_SCHEMA = new Set(['readable-file', 'frontmatter-syntax', 'frontmatter-schema']);

describe.each(RULES.map((rule) => rule.meta.id))('rule %s: golden fixtures', (ruleId) => {
  const cases = fixtureCases(ruleId);
  it.each(cases.map((fixture) => [fixture.name, fixture] as const))('%s', async (_name, fixture) => {
    const { diagnostics, output } = await runFixture(fixture);
    if (fixture.expectation === 'ok') {
      expect(output).toBe('');
      // An ok fixture must reach the rule: a document the parser or the schema rejected proves nothing.
      if (!PARSE_AND_SCHEMA.has(ruleId)) {
        expect(diagnostics.filter((d) => PARSE_AND_SCHEMA.has(d.ruleId))).toEqual([]);
      }
      return;
    }
    if (UPDATE) writeFileSync(fixture.expectedFile, output);
    expect(existsSync(fixture.expectedFile), `${fixture.expectedFile} is missing`).toBe(true);
    expect(output, 'a not-ok fixture must make its rule report something').not.toBe('');
    expect(output).toBe(readFileSync(fixture.expectedFile, 'utf8'));
  });
});
