import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFastYaml } from '../../src/parse/yaml-fast.js';
import { parseYaml, parseYamlWithLibrary } from '../../src/parse/yaml.js';
import { decision, phase, stage } from '../helpers/documents.js';

/** The fast reader must agree with `yaml` whenever it answers; it may decline (and `yaml` reads). */
function expectSameAsLibrary(text: string): boolean {
  const fast = readFastYaml(text, 2);
  expect(parseYaml(text, 2)).toEqual(parseYamlWithLibrary(text, 2));
  // Without the places it reads the same text the same way, or leaves it to yaml the same way.
  expect(readFastYaml(text, 2, false)).toEqual(fast && { ...fast, positions: undefined });
  expect(parseYaml(text, 2, false)).toEqual(fast ? { ...parseYaml(text, 2), positions: undefined } : parseYamlWithLibrary(text, 2));
  return fast !== undefined;
}

const frontmatterOf = (document: string): string => document.split('\n---\n')[0]!.replace(/^---\n/, '');

const SCALAR = fc.constantFrom(
  'plain text',
  'P1-S00',
  'alice@example.com',
  './scripts/healthz.sh',
  'npm test -- --coverage',
  '"quoted: value"',
  '"2026-11-21"',
  "'single'",
  '"esc\\"aped"',
  "'it''s'",
  '3',
  '007',
  '2.5',
  '-1',
  '+1',
  '1e3',
  '0x1F',
  '.5',
  '.inf',
  'true',
  'False',
  'null',
  '~',
  'yes',
  '2026-11-21',
  'C#',
  'a # comment',
  'a: b',
  'ends:',
  '&anchor x',
  '*alias',
  '!!str tagged',
  '|',
  '>',
  '[]',
  '[P1-S01, P1-S02]',
  '[a,b]',
  '["src/**/*.ts", test/**]',
  '[a, ]',
  '[nested, [x]]',
  '{ file: x, min: 70 }',
  '',
  'tab\there',
  'trailing ',
);
const KEY = fc.constantFrom('id', 'kind', 'title', 'phase', 'order', 'depends_on', 'gates', 'a.b', 'x_y', 'true', 'null', '__proto__', 'id');

describe('fast YAML reader', () => {
  it('agrees with yaml on the frontmatter of the test builders, and reads it itself', () => {
    const texts = [stage(), phase(), decision(), stage({ extra: 'depends_on: [P1-S00]\nproduces: [docs/api.md]\n' })].map(frontmatterOf);
    expect(texts.map(expectSameAsLibrary)).toEqual([true, true, true, true]);
  });

  it('agrees with yaml on generated flat and nested mappings (differential property)', () => {
    let accepted = 0;
    const entry = fc.oneof(
      fc.tuple(KEY, SCALAR).map(([key, value]) => `${key}: ${value}`),
      fc.tuple(KEY, fc.array(SCALAR, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '  ')).map(
        ([key, items, indent]) => `${key}:\n${items.map((item) => `${indent}- ${item}`).join('\n')}`,
      ),
      fc.tuple(KEY, fc.array(fc.tuple(KEY, SCALAR), { minLength: 1, maxLength: 3 })).map(
        ([key, pairs]) => `${key}:\n  - ${pairs.map(([k, v]) => `${k}: ${v}`).join('\n    ')}\n  - id: second\n    run: "true"`,
      ),
      fc.tuple(KEY, fc.array(fc.tuple(KEY, SCALAR), { minLength: 1, maxLength: 3 })).map(([key, pairs]) => `${key}:\n${pairs.map(([k, v]) => `  ${k}: ${v}`).join('\n')}`),
      fc.constantFrom('# a comment', '', '  odd: indent', '- stray', 'key:value'),
    );
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), (entries) => {
        if (expectSameAsLibrary(entries.join('\n'))) accepted++;
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(30);
  });

  it('agrees with yaml on generated frontmatter made of the forms it reads (differential property)', () => {
    const SAFE = fc.constantFrom('P1-S00', 'plain words', '"quoted"', "'single'", '3', '2.5', 'true', 'null', '[a, "b"]', '[]', './x.sh');
    const NAME = fc.constantFrom('id', 'title', 'order', 'status', 'owner', 'gates', 'depends_on', 'run');
    let accepted = 0;
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(NAME, SAFE, fc.nat(2)), { selector: ([key]) => key, minLength: 1, maxLength: 6 }), (pairs) => {
        const text = pairs
          .map(([key, value, shape]) => (shape === 0 ? `${key}: ${value}` : shape === 1 ? `${key}:\n  - ${value}\n  - ${value}` : `${key}:\n- id: ${value}\n  run: ${value}`))
          .join('\n');
        if (expectSameAsLibrary(text)) accepted++;
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(900);
  });
  it('agrees with yaml when indentation or values hold white space other than the ASCII space (U+00A0 ...)', () => {
    // For yaml a no-break space is not indentation (it starts a key or a value); trim() in JavaScript would take it for indentation.
    expect(parseYaml('gates:\n\u00a0\u00a0- id: t\n', 2)).toEqual(parseYamlWithLibrary('gates:\n\u00a0\u00a0- id: t\n', 2));
    expect(readFastYaml('gates:\n\u00a0\u00a0- id: t\n', 2)).toBeUndefined();
    expect(readFastYaml('id: x\ngates:\n  - id: a\n\u00a0\u00a0\u00a0run: x\n', 2)).toBeUndefined();
    const SPACE = fc.constantFrom(' ', '  ', '\u00a0', ' \u00a0', '\u2003', '\u3000', '\ufeff', '\u2028', '\u000b', '\u000c', '\u1680');
    const VALUE = fc.constantFrom('x', 'P1-S00', '"q"', '[a, b]', '3');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('id', 'title', 'gates', 'run'), SPACE, VALUE, fc.nat(3)), { minLength: 1, maxLength: 5 }), (entries) => {
        const text = entries
          .map(([key, space, value, shape], index) =>
            shape === 0 ? `${key}${index}: ${value}${space.trim() === '' && space !== ' ' ? space : ''}` : shape === 1 ? `${key}${index}:\n${space}- ${value}` : shape === 2 ? `${key}${index}:\n${space}k: ${value}` : `${space}${key}${index}: ${value}`,
          )
          .join('\n');
        expectSameAsLibrary(text);
      }),
      { numRuns: 1000 },
    );
  });
});
