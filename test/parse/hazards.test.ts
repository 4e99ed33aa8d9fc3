import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocumentText } from '../../src/parse/document.js';
import { findParserHazard, MAX_DELIMITER_RUNS, MAX_SETEXT_UNDERLINES } from '../../src/parse/hazards.js';
import { StagedocsError } from '../../src/model/errors.js';

/**
 * The standing safety net of the hostile-input issue: on generated worst cases (repeated pieces of the
 * constructs micromark reads slowly), parsing stays within a generous time per kilobyte, never throws
 * anything but stagedocs' own error, and every problem's line is inside the document. A safety net,
 * not a benchmark: the bound is loose enough for a loaded 2-core machine.
 */
const FRONTMATTER = '---\nid: P1-S00\nkind: stage\ntitle: T\nphase: P1\norder: 0\nstatus: not-started\nowner: a@b.c\n---\n\n# Objectives\n\n';
const UNITS = [
  '*_', '_*', '* ', '> ', '> - ', '- ', '1. ', '*a ', '_a ', '**', '__', '[a](', '[a]', '[a]: <', '](', '![', '<a', '<a b="', '<!--', '&#', '`', '``', '\\*',
  'text\n=\n', 'a\n-\n', 'a\n\n', '> a\nb\n', '    a\n', '```\n', '~~~\n', '|a|\n', '***\n', '\n', ' ', 'x', '# a\n', '<div>\n', '> > > x\n',
];

const worstCase = fc
  .tuple(fc.array(fc.constantFrom(...UNITS), { minLength: 1, maxLength: 4 }), fc.constantFrom('', '\n', '\n\n', ' '))
  .map(([units, separator]) => {
    const piece = units.join('') + separator;
    return FRONTMATTER + piece.repeat(Math.ceil((100 * 1024) / piece.length));
  });

async function parseTimed(text: string): Promise<{ ms: number; problems: Array<{ line: number; column: number }>; lineCount: number }> {
  const started = performance.now();
  try {
    const { doc, problems } = await parseDocumentText('stages/mvp/00-a.md', text, { maxBytes: 1024 * 1024 });
    return { ms: performance.now() - started, problems, lineCount: doc.lineCount };
  } catch (error) {
    // Only stagedocs' own errors may escape a parse (none is expected: parsing is total).
    expect(error).toBeInstanceOf(StagedocsError);
    throw error;
  }
}

describe('bounded parsing', () => {
  it('parses 100 KB of generated worst-case markdown in under 2 s, with every problem inside the file', async () => {
    await fc.assert(
      fc.asyncProperty(worstCase, async (text) => {
        const { ms, problems, lineCount } = await parseTimed(text);
        expect(ms).toBeLessThan(2000);
        for (const problem of problems) {
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.line).toBeLessThanOrEqual(lineCount);
          expect(problem.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 40 },
    );
  }, 240_000);

  it('names the line and column of the construct', () => {
    const paragraph = `intro\n${'*a* '.repeat(MAX_DELIMITER_RUNS)}\n`;
    expect(findParserHazard(paragraph)).toMatchObject({ line: 2, column: 4 * (MAX_DELIMITER_RUNS / 2) + 1 });
    const setext = 'a\n===\n\n'.repeat(MAX_SETEXT_UNDERLINES + 1);
    expect(findParserHazard(setext)).toMatchObject({ line: 3 * MAX_SETEXT_UNDERLINES + 2, column: 1 });
    // Inside fenced code nothing counts, and real documents stay far below the limits.
    expect(findParserHazard(`\`\`\`\n${'*_'.repeat(5000)}\n\`\`\`\n`)).toBeUndefined();
    expect(findParserHazard('a\n===\n\nSome *emphasis* and a [link](x.md).\n')).toBeUndefined();
  });
});
