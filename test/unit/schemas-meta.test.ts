import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { optionsSchemaOf } from '../../src/config/config.js';
import { runReportSchema } from '../../src/model/report-schema.js';
import { EDITOR_KEYWORDS } from '../../src/model/schema-docs.js';
import { configSchema, DOCUMENT_SCHEMAS } from '../../src/model/schemas.js';
import { RULES } from '../../src/rules/index.js';
import { patternSchema } from '../../src/scaffold/patterns.js';

const schemas: Array<[string, object]> = [
  ...Object.entries(DOCUMENT_SCHEMAS).map(([kind, schema]): [string, object] => [`${kind} frontmatter`, schema]),
  ['configuration', configSchema],
  ['report.json', runReportSchema],
  ['pattern', patternSchema],
  ...RULES.map((rule): [string, object] => [`options of ${rule.meta.id}`, optionsSchemaOf(rule.meta)]),
];

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What an editor would show without help, for every property of a schema (at every depth): a
 * property without a description, an enum value without its explanation, a description that only
 * repeats the key. Each problem as `<JSON pointer>: <what is missing>`.
 */
function undocumented(schema: Node, at = ''): string[] {
  const problems: string[] = [];
  const visitProperty = (pointer: string, key: string, property: unknown) => {
    if (!isNode(property)) return;
    const description = property.description;
    if (typeof description !== 'string' || description.trim().length < 8) problems.push(`${pointer}: no description`);
    else if (description.trim().toLowerCase() === key.toLowerCase()) problems.push(`${pointer}: the description only repeats the key`);
    problems.push(...undocumented(property, pointer));
  };
  if (Array.isArray(schema.enum) && schema.enum.length > 1) {
    const explained = schema.markdownEnumDescriptions;
    if (!Array.isArray(explained) || explained.length !== schema.enum.length || explained.some((text) => typeof text !== 'string' || text.length === 0)) {
      problems.push(`${at || '/'}: enum ${JSON.stringify(schema.enum)} without one markdownEnumDescriptions entry per value`);
    }
  }
  for (const group of ['properties', 'patternProperties'] as const) {
    const properties = schema[group];
    if (isNode(properties)) for (const [key, property] of Object.entries(properties)) visitProperty(`${at}/${key}`, key, property);
  }
  if (isNode(schema.additionalProperties)) visitProperty(`${at}/*`, '*', schema.additionalProperties);
  if (isNode(schema.items)) problems.push(...undocumented(schema.items, `${at}/[]`));
  for (const group of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = schema[group];
    if (Array.isArray(branches)) branches.forEach((branch, k) => isNode(branch) && problems.push(...undocumented(branch, `${at}/${group}/${k}`)));
  }
  return problems;
}

// src/model/ajv.ts compiles our schemas without checking them against the meta-schema (it costs
// start-up time on every command); this checks every one of them here instead.
describe('our JSON Schemas', () => {
  const strict = new Ajv({ strict: true, allowUnionTypes: true, keywords: [...EDITOR_KEYWORDS] });

  it.each(schemas)('%s is a valid JSON Schema', (_name, schema) => {
    expect(strict.validateSchema(schema), JSON.stringify(strict.errors)).toBe(true);
    expect(() => strict.compile(schema)).not.toThrow();
  });

  it('catches an invalid schema (the check can fail)', () => {
    expect(strict.validateSchema({ type: 'objekt' })).toBe(false);
  });
});

// Hover and completion in editors show these: every property explains itself.
describe('our JSON Schemas explain themselves', () => {
  it.each(schemas)('%s: every property has a description and every enum value an explanation', (_name, schema) => {
    expect(undocumented(schema as Node)).toEqual([]);
  });

  it('every examples value validates against its own property schema', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true, keywords: [...EDITOR_KEYWORDS] });
    const bad: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((item, k) => walk(item, `${at}/${k}`));
      if (!isNode(node)) return;
      if (Array.isArray(node.examples) && at !== '') {
        const validate = ajv.compile(node);
        for (const example of node.examples) if (!validate(example)) bad.push(`${at}: ${JSON.stringify(example)}`);
      }
      for (const [key, value] of Object.entries(node)) if (key !== 'examples' && key !== 'enum' && key !== 'const') walk(value, `${at}/${key}`);
    };
    for (const [name, schema] of schemas) walk({ ...schema, $id: undefined }, name);
    expect(bad).toEqual([]);
  });

  it('the check can fail: it names an undocumented property and an unexplained enum', () => {
    expect(undocumented({ type: 'object', properties: { a: { type: 'string' }, b: { description: 'The b setting.', enum: ['x', 'y'] } } })).toEqual([
      '/a: no description',
      '/b: enum ["x","y"] without one markdownEnumDescriptions entry per value',
    ]);
  });
});
