import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/model/config.js';
import type { Finding } from '../../src/model/diagnostic.js';
import { pointerSegment, type ParsedDocument } from '../../src/model/documents.js';
import { findSection, normalizeSectionTitle } from '../../src/model/sections.js';
import { parseDocumentText } from '../../src/parse/document.js';
import { noStubsWhenDone } from '../../src/rules/no-stubs-when-done.js';
import { stage } from '../helpers/documents.js';

/**
 * The cold run's fast paths (issue 19, round 7): each answers exactly what the plain code answered.
 * A fast path that is wrong for some input fails here, not only in a benchmark.
 */

async function parsed(text: string, file = 'stages/p1/00-a.md'): Promise<ParsedDocument> {
  return (await parseDocumentText(file, text, { maxBytes: defaultConfig().limits.max_file_bytes })).doc;
}

/** findSection as it was: every title normalised and compared in turn. */
function findSectionPlainly(doc: Pick<ParsedDocument, 'sections'>, title: string) {
  const wanted = normalizeSectionTitle(title);
  return doc.sections.find((section) => normalizeSectionTitle(section.title) === wanted);
}

describe('findSection keeps the titles of the last document normalised', () => {
  it('answers for the document asked about, whichever was asked before', async () => {
    const a = await parsed(stage({ body: '# A\n\n## Objectives\nA\n\n## Rollback Plan\nA\n' }));
    const b = await parsed(stage({ body: '# B\n\n## objectives:\nB\n\n## Notes & Links\nB\n' }), 'stages/p1/01-b.md');
    const asked: Array<[ParsedDocument, string]> = [
      [a, 'Objectives'],
      [b, 'Objectives'],
      [a, 'Objectives'],
      [b, 'Notes and links'],
      [a, 'Notes and links'],
      [b, 'Rollback Plan'],
      [a, 'rollback plan'],
    ];
    for (const [doc, title] of asked) {
      const found = findSection(doc, title);
      expect(found, `${doc.file}: ${title}`).toBe(findSectionPlainly(doc, title));
      if (found) expect(doc.sections).toContain(found);
    }
    expect(findSection(b, 'Objectives')?.text).toBe('B');
    expect(findSection(a, 'Notes and links')).toBeUndefined();
  });

  it('gives the first of two sections whose titles normalise alike', async () => {
    const doc = await parsed(stage({ body: '# T\n\n## Acceptance Criteria:\nfirst\n\n## ACCEPTANCE  criteria\nsecond\n' }));
    expect(findSection(doc, 'acceptance criteria')?.text).toBe('first');
  });

  it('follows a document whose sections are a new list (the language server reparses on every edit)', async () => {
    const before = await parsed(stage({ body: '# T\n\n## Objectives\nold\n' }));
    expect(findSection(before, 'Objectives')?.text).toBe('old');
    const after = { ...before, sections: (await parsed(stage({ body: '# T\n\n## Objectives\nnew\n' }))).sections };
    expect(findSection(after, 'Objectives')?.text).toBe('new');
    expect(findSection(before, 'Objectives')?.text).toBe('old');
  });

  it('agrees with the plain search on generated titles', () => {
    const word = fc.constantFrom('Objectives', 'objectives', 'Audit', '&', 'and', 'Review', 'Steps:', 'steps', ' ', '  ', ':', 'Gaps');
    const title = fc.array(word, { minLength: 1, maxLength: 5 }).map((words) => words.join(' ').trim() || 'x');
    fc.assert(
      fc.property(fc.array(fc.array(title, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), title), { maxLength: 12 }), (documents, questions) => {
        const docs = documents.map((titles) => ({ sections: titles.map((t, line) => ({ title: t, depth: 2, line, column: 1, endLine: line, text: '', contentLine: line, empty: true, items: [] })) }));
        for (const [which, asked] of questions) {
          const doc = docs[which % docs.length]!;
          expect(findSection(doc, asked)).toBe(findSectionPlainly(doc, asked));
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** no-stubs-when-done as it was, without the test of the whole body first. */
function stubLinesPlainly(body: string): Array<{ index: number; column: number; text: string }> {
  const stub = /\b(TODO|TBD|FIXME|XXX)\b|\bnot implemented\b|\bplaceholders?\b|\blorem ipsum\b|<fill[ -]in>|\{\{[^}]*\}\}/gi; // stagedocs-allow-stub
  const found: Array<{ index: number; column: number; text: string }> = [];
  let inFence: string | undefined;
  body.split('\n').forEach((line, index) => {
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence && (!inFence || (fence[0] === inFence[0] && fence.length >= inFence.length))) {
      inFence = inFence ? undefined : fence;
      return;
    }
    if (inFence) return;
    const visible = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
    for (const match of visible.matchAll(stub)) found.push({ index, column: (match.index ?? 0) + 1, text: match[0] });
  });
  return found;
}

describe('no-stubs-when-done tests the whole body before its lines', () => {
  const run = (doc: ParsedDocument): Finding[] => {
    const findings: Finding[] = [];
    noStubsWhenDone.check(doc, { config: defaultConfig(), options: {}, report: (finding) => findings.push(finding) });
    return findings;
  };

  it('reports exactly what the line-by-line reading reports, on generated bodies', async () => {
    // Pieces that make and break markers: code spans around them, fences, word characters beside them.
    const piece = fc.constantFrom('TODO', 'todo', 'xTODO', 'TODOx', 'TBD', 'fixme', 'XXX', 'not implemented', 'not  implemented', 'placeholder', 'Placeholders', 'lorem ipsum', '<fill in>', '<fill-in>', '{{ name }}', '{{', '}}', '`', '``', '`TODO`', '```', '~~~', ' ', 'done', '_', '-', '\n', '\n```\n', '\n~~~~\n', 'é');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 24 }), async (pieces) => {
        const body = `# T\n\n## Objectives\n${pieces.join('')}\n`;
        const doc = await parsed(stage({ status: 'done', body }));
        const plain = stubLinesPlainly(doc.body).map(({ index, column }) => [doc.bodyStartLine + index, column]);
        expect(run(doc).map((finding) => [finding.line, finding.column])).toEqual(plain);
      }),
      { numRuns: 400 },
    );
  });

  it('still reports a marker outside code and none inside it', async () => {
    const doc = await parsed(stage({ status: 'done', body: '# T\n\n## Objectives\n`TODO` is quoted; this is TBD.\n```\nFIXME\n```\n' }));
    expect(run(doc).map((finding) => finding.message)).toEqual(['Stage is `done` but still holds `TBD`, expected finished text']);
  });
});

describe('pointerSegment', () => {
  it('escapes ~ and / and leaves every other key as it is', () => {
    expect(pointerSegment('a/b~c')).toBe('a~1b~0c');
    expect(pointerSegment('~/')).toBe('~0~1');
    expect(pointerSegment('depends_on')).toBe('depends_on');
    expect(pointerSegment(3)).toBe('3');
    fc.assert(
      fc.property(fc.string(), (key) => {
        expect(pointerSegment(key)).toBe(key.replace(/~/g, '~0').replace(/\//g, '~1'));
      }),
    );
  });
});

describe('the fast YAML reader counts indentation', () => {
  it('skips lines of spaces, leaves a trailing space to yaml, and places nested values by their indent', async () => {
    const { readFastYaml } = await import('../../src/parse/yaml-fast.js');
    const read = readFastYaml('id: P1\n   \n\ngates:\n  - id: t\n    run: x\n', 2)!;
    expect(read.data).toEqual({ id: 'P1', gates: [{ id: 't', run: 'x' }] });
    expect(read.positions['/gates/0/run']).toEqual({ line: 7, column: 10 });
    expect(readFastYaml('id: P1 \n', 2)).toBeUndefined();
    expect(readFastYaml(' id: P1\n', 2)).toBeUndefined();
    expect(readFastYaml('   \n', 2)).toBeUndefined();
  });
});
