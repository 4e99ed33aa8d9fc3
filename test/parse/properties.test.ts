import { defaultConfig } from '../../src/model/config.js';
import { parseConfig } from '../../src/engine/config.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/model/errors.js';
import type { DocumentSource } from '../../src/engine/source.js';
import { validateRepository } from '../../src/engine/validate.js';
import { parseDocumentBytes } from '../../src/parse/document.js';
import { normalizeText } from '../../src/util/text.js';

/**
 * Property-based tests (RELIABILITY.md): whatever bytes a document holds, parsing and validation never
 * throw, and every diagnostic points inside the file: 1 <= line <= its line count, column >= 1.
 */

/** Pieces of real documents, so that random input reaches the frontmatter, section and link code paths. */
const FRAGMENTS = [
  '---', '...', 'id: P1-S01', 'id: 1.10', 'kind: stage', 'kind: phase', 'kind: decision', 'title: T', 'phase: P1',
  'order: 1', 'status: done', 'status: in-progress', 'estimate: 9', 'depends_on: [P1-S00]', 'depends_on: [P1-S01]',
  'gates:', '  - id: t', '    run: npm test', '    metric: { file: a.json, path: x }', 'decision: 12e4567',
  'x: &a [*a]', 'a: *nope', 'k: !!js/function f', 'k: [', 'k: "unclosed', 'k: v', 'k: v', '\t- bad indent',
  '# Title', '## Objectives', '## Acceptance Criteria', '- Tests pass.', '- `npm test` exits 0.', '## Rollback Plan',
  '<!-- comment', '-->', 'TODO', 'Not implemented', '[x](../../../y.md)', '[y](missing.md)', '[r]: nowhere.md',
  '```', '~~~', '> quote', '* item', '1. item', '    code', '', ' ', '\uFEFF', '\r', '\u2028', '\u0000',
];

const lineOf = fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
/** Mostly well-formed documents (a frontmatter block, then a body, with or without a last newline), some not. */
const KEY_LINES = FRAGMENTS.filter((fragment) => /^[a-z_]+: \S/.test(fragment));
const frontmatterLines = fc.oneof(
  { arbitrary: fc.uniqueArray(fc.constantFrom(...KEY_LINES), { selector: (line) => line.split(':')[0], maxLength: 12 }), weight: 3 },
  { arbitrary: fc.array(lineOf, { maxLength: 12 }), weight: 1 },
);
const frontmatterDocument = fc
  .tuple(frontmatterLines, fc.array(lineOf, { maxLength: 20 }), fc.boolean())
  .map(([frontmatter, body, closed]) => ['---', ...frontmatter, ...(closed ? ['---'] : []), ...body]);
const documentText = fc
  .tuple(fc.oneof(frontmatterDocument, fc.array(lineOf, { maxLength: 40 })), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean(), fc.boolean())
  .map(([lines, eol, bom, lastNewline]) => `${bom ? '\uFEFF' : ''}${lines.join(eol)}${lastNewline ? eol : ''}`);

const PATHS = ['stages/mvp/phase.md', 'stages/mvp/00-a.md', 'stages/mvp/01-b.md', 'decisions/D-1.md', 'freeze/P1-S01.freeze.json'];

/** How many lines a file has as an editor counts them (CR, LF and CRLF all end a line). */
function lineCount(bytes: Uint8Array): number {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return normalizeText(text).split('\n').length;
}

function source(files: Map<string, Uint8Array>): DocumentSource {
  return {
    list: async () => [...files.keys()].sort(),
    read: async (file) => files.get(file)!,
    exists: (file) => files.has(file) || [...files.keys()].some((known) => known.startsWith(`${file}/`)),
  };
}

async function validateFiles(files: Map<string, Uint8Array>) {
  return validateRepository({ root: '/nonexistent', config: defaultConfig(), configHash: 'p', toolVersion: 'p', source: source(files), cacheDir: undefined });
}

describe('parsing and validating arbitrary input', () => {
  it('keeps diagnostics inside a file that ends right after its frontmatter (found by the property below)', async () => {
    const files = new Map([['stages/mvp/00-a.md', new TextEncoder().encode('---\nid: P1-S00\nkind: stage\n---')]]);
    const { diagnostics } = await validateFiles(files);
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics) expect(d.line, `${d.ruleId} ${d.message}`).toBeLessThanOrEqual(4);
  });

  it('never throws on arbitrary document text, and every diagnostic is inside its file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(fc.constantFrom(...PATHS), documentText), { selector: ([file]) => file, minLength: 1, maxLength: 4 }), async (entries) => {
        const files = new Map(entries.map(([file, text]) => [file, new TextEncoder().encode(text)]));
        const result = await validateFiles(files);
        for (const d of result.diagnostics) {
          expect(d.line, `${d.file} ${d.ruleId} ${d.message}`).toBeGreaterThanOrEqual(1);
          expect(d.line, `${d.file} ${d.ruleId} ${d.message}`).toBeLessThanOrEqual(lineCount(files.get(d.file)!));
          expect(d.column).toBeGreaterThanOrEqual(1);
          expect(d.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes, and every problem is inside the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom('stages/mvp/00-a.md', 'freeze/P1-S01.freeze.json'), async (bytes, file) => {
        const { doc, problems } = await parseDocumentBytes(file, bytes, { maxBytes: 1024 * 1024 });
        expect(doc.file).toBe(file);
        for (const problem of problems) {
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.line).toBeLessThanOrEqual(lineCount(bytes));
          expect(problem.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives BOM and CRLF documents exactly the diagnostics of their LF form', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...FRAGMENTS.filter((f) => !/[\r\uFEFF\u2028]/.test(f))), { maxLength: 30 }), async (lines) => {
        const lf = lines.join('\n');
        const variants = [lf, lines.join('\r\n'), `\uFEFF${lf}`, `\uFEFF${lines.join('\r\n')}`];
        const results = await Promise.all(
          variants.map(async (text) => (await validateFiles(new Map([['stages/mvp/00-a.md', new TextEncoder().encode(text)]]))).diagnostics),
        );
        for (const other of results.slice(1)) expect(other).toEqual(results[0]);
      }),
      { numRuns: 150 },
    );
  });

  it('reads any configuration text into a config or a ConfigError placed inside the file, nothing else', () => {
    const CONFIG_LINES = [
      'paths:', '  stages: stages', '  stages: ../out', '  freeze: /abs', 'rules:', '  stage-size: warn', '  stage-size: { max_hours: 2 }',
      '  stage-size: { max_hour: 2 }', '  unique-id: loud', '  uniqe-id: off', 'kinds:', '  stage:', '    required_sections: [Goal]',
      'limits:', '  max_file_bytes: 10', 'bogus: 1', '- item', 'a: &x [*x]', 'k: !!js/function f', '  bad: [', '',
    ];
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...CONFIG_LINES), fc.string({ maxLength: 20 })), { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const text = lines.join(eol);
        try {
          parseConfig('stagedocs.config.yaml', text);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          const { line, column } = error as ConfigError;
          expect(line).toBeGreaterThanOrEqual(1);
          expect(line).toBeLessThanOrEqual(Math.max(1, normalizeText(text).split('\n').length));
          expect(column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});
