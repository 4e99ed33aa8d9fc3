import { defaultConfig } from '../../src/model/config.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { compileAtRunTime, schemaKey } from '../../src/model/ajv.js';
import { catalogSchemas } from '../../src/scaffold/schema-catalog.js';
import { configSchema, DOCUMENT_SCHEMAS } from '../../src/model/schemas.js';
import { runReportSchema } from '../../src/model/report-schema.js';
import { patternSchema } from '../../src/scaffold/patterns.js';

// The build compiles every schema ahead of time (scripts/compile-validators.mjs); these tests prove the
// compiled validators are the ones Ajv compiles at run time, error for error.
const ROOT = path.resolve(import.meta.dirname, '../..');
const PRECOMPILED = path.join(ROOT, 'dist/model/validators.cjs');

function precompiled(): Record<string, ValidateFunction> {
  if (!existsSync(PRECOMPILED)) throw new Error(`${PRECOMPILED} is missing: run \`npm run build\` first`);
  return createRequire(import.meta.url)(PRECOMPILED) as Record<string, ValidateFunction>;
}

/** Frontmatter of this repository's own documents: real, valid examples of each kind. */
function frontmatterOf(folder: string): Record<string, unknown>[] {
  const dir = path.join(ROOT, folder);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => /^---\n([\s\S]*?)\n---\n/.exec(readFileSync(path.join(dir, file), 'utf8'))?.[1])
    .filter((text): text is string => text !== undefined)
    .map((text) => parse(text) as Record<string, unknown>);
}

function reportsOf(folder: string): unknown[] {
  const dir = path.join(ROOT, folder);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('report.json'))
    .map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown);
}

/** Each valid example, and copies with one top-level key removed or given a value of another type. */
function mutations(example: unknown): unknown[] {
  if (typeof example !== 'object' || example === null || Array.isArray(example)) return [example];
  const record = example as Record<string, unknown>;
  const out: unknown[] = [record, {}, [], null, 'text', 1];
  for (const key of Object.keys(record)) {
    const { [key]: _removed, ...without } = record;
    out.push(without);
    for (const value of [1, 'x', [], {}, null, true, -1, ['x', 2], { x: 1 }]) out.push({ ...record, [key]: value });
  }
  out.push({ ...record, unexpected_key: 1 });
  return out;
}

function outcome(validate: ValidateFunction, value: unknown): { valid: boolean; errors: unknown } {
  const valid = validate(structuredClone(value)) === true;
  return { valid, errors: validate.errors ?? null };
}

describe('precompiled validators', () => {
  it('exist for every schema of the catalog', () => {
    const compiled = precompiled();
    for (const schema of catalogSchemas()) expect(typeof compiled[schemaKey(schema)], JSON.stringify(schema).slice(0, 80)).toBe('function');
  });

  it('cover every schema validatorFor is given in src (the catalog names them all)', () => {
    const keys = new Set(catalogSchemas().map(schemaKey));
    for (const schema of [configSchema, ...Object.values(DOCUMENT_SCHEMAS), runReportSchema, patternSchema]) expect(keys.has(schemaKey(schema))).toBe(true);
  });

  const examples: Array<[string, object, unknown[]]> = [
    ['config', configSchema, [defaultConfig(), { paths: { stages: 'docs/stages' }, rules: { 'stage-size': { severity: 'warn', max_hours: 8 } } }]],
    ['stage', DOCUMENT_SCHEMAS.stage, frontmatterOf('stages').filter((data) => data.kind === 'stage')],
    ['phase', DOCUMENT_SCHEMAS.phase, frontmatterOf('stages').filter((data) => data.kind === 'phase')],
    ['decision', DOCUMENT_SCHEMAS.decision, frontmatterOf('decisions')],
    ['report', runReportSchema, reportsOf('gate_results')],
  ];

  it.each(examples)('give the errors Ajv gives at run time (%s, valid examples and mutations)', (_name, schema, valid) => {
    expect(valid.length).toBeGreaterThan(0);
    const ahead = precompiled()[schemaKey(schema)]!;
    const late = compileAtRunTime(schema);
    for (const example of valid) expect(outcome(ahead, example).valid).toBe(true);
    for (const value of valid.flatMap(mutations)) expect(outcome(ahead, value)).toEqual(outcome(late, value));
  });

  it('give the errors Ajv gives at run time on arbitrary JSON (every catalog schema)', () => {
    const compiled = precompiled();
    for (const schema of catalogSchemas()) {
      const ahead = compiled[schemaKey(schema)]!;
      const late = compileAtRunTime(schema);
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          expect(outcome(ahead, value)).toEqual(outcome(late, value));
        }),
        { numRuns: 200 },
      );
    }
  });
});
