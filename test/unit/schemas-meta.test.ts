import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { optionsSchemaOf } from '../../src/config/config.js';
import { runReportSchema } from '../../src/model/report-schema.js';
import { configSchema, DOCUMENT_SCHEMAS } from '../../src/model/schemas.js';
import { RULES } from '../../src/rules/index.js';
import { patternSchema } from '../../src/scaffold/patterns.js';

// src/model/ajv.ts compiles our schemas without checking them against the meta-schema (it costs
// start-up time on every command); this checks every one of them here instead.
describe('our JSON Schemas', () => {
  const strict = new Ajv({ strict: true, allowUnionTypes: true });
  const schemas: Array<[string, object]> = [
    ...Object.entries(DOCUMENT_SCHEMAS).map(([kind, schema]): [string, object] => [`${kind} frontmatter`, schema]),
    ['configuration', configSchema],
    ['report.json', runReportSchema],
    ['pattern', patternSchema],
    ...RULES.map((rule): [string, object] => [`options of ${rule.meta.id}`, optionsSchemaOf(rule.meta)]),
  ];

  it.each(schemas)('%s is a valid JSON Schema', (_name, schema) => {
    expect(strict.validateSchema(schema), JSON.stringify(strict.errors)).toBe(true);
    expect(() => strict.compile(schema)).not.toThrow();
  });

  it('catches an invalid schema (the check can fail)', () => {
    expect(strict.validateSchema({ type: 'objekt' })).toBe(false);
  });
});
