import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMarkdown, parseMarkdownWithRemark } from '../../src/parse/markdown.js';
import { scanMarkdown } from '../../src/parse/scan.js';
import { normalizeText } from '../../src/util/text.js';
import { decision, phase, stage, STAGE_SECTIONS } from '../helpers/documents.js';

/** The fast scanner must agree with remark whenever it answers; it may decline (and remark reads). */
async function expectSameAsRemark(text: string): Promise<boolean> {
  const accepted = scanMarkdown(text, text.split('\n')) !== undefined;
  expect(await parseMarkdown(text)).toEqual(await parseMarkdownWithRemark(text));
  return accepted;
}

const FRONTMATTER = '---\nid: P1-S00\nkind: stage\ntitle: T\n---\n';

// Lines that exercise each construct the scanner decides, and the ones it must leave to remark.
const LINE = fc.constantFrom(
  '',
  '   ',
  '# Title',
  '## Objectives',
  '## Audit & Review Steps',
  '### Sub heading',
  '## Heading with `code`',
  '## Trailing #',
  '##  Two spaces',
  '####### seven',
  '#nospace',
  'Plain paragraph text.',
  'Text with `inline code` and [a link](docs/a.md).',
  'See ![an image](img/x.png) and [b](https://example.com/x?y=1#z).',
  'Code first `[not](a link)` then [real](r.md)',
  'Open `code span',
  'closes here` [after](after.md)',
  '[nested [inner](in.md)](out.md)',
  '[ref]: https://example.com',
  'A [shortcut] and [full][ref] reference.',
  '<https://auto.link/x>',
  '<mail@example.com>',
  'Array<string> is fine `Map<K, V>`',
  'Inline <!-- comment [x](y) -->',
  'Escaped \\[x](y)',
  'Entity &amp; [e](a&amp;b)',
  '[t](u "title")',
  '[p](a(b)c)',
  '- item one',
  '- [ ] task item with `npm test`',
  '* star item',
  '+ plus item',
  '- item with [link](l.md)',
  '-  two spaces',
  '- - -',
  '---',
  '***',
  '===',
  '  - nested item',
  '  continued item text',
  '   three spaces',
  '    indented code [x](y)',
  '1. first',
  '2. second',
  '1) paren',
  '10. tenth',
  '  1. nested ordered',
  '  2. nested second',
  '> quote [q](q.md)',
  '```',
  '```ts',
  '~~~',
  '    ```',
  '<!-- a comment -->',
  '<!--',
  '-->',
  '<!-->',
  '<div>html</div>',
  'emoji 🎉 then [link](e.md)',
  'Ünïcödé [ü](ü.md)',
  'tab\there',
  'trailing spaces   ',
  '\u00a0nbsp start',
  '_emphasis_ start',
  '[start](of.md) paragraph',
);

describe('fast markdown scanner', () => {
  it('agrees with remark on the documents stagedocs writes and the test builders', async () => {
    const documents = [stage(), phase(), decision(), stage({ body: `${STAGE_SECTIONS}\n## Notes\n- see [phase](phase.md)\n` })];
    const accepted = await Promise.all(documents.map(expectSameAsRemark));
    // The common case must take the fast path, or the scanner is useless.
    expect(accepted).toEqual([true, true, true, true]);
  });

  it('agrees with remark on the repository markdown files with frontmatter', async () => {
    const roots = ['templates', 'docs'].map((dir) => path.resolve(dir));
    for (const root of roots) {
      let files: string[] = [];
      try {
        files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.md') || file.endsWith('.hbs'));
      } catch {
        continue;
      }
      for (const file of files) await expectSameAsRemark(normalizeText(readFileSync(path.join(root, file), 'utf8')));
    }
  });

  it('agrees with remark on generated documents (differential property)', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(LINE, { maxLength: 30 }), fc.boolean(), async (lines, newlineAtEnd) => {
        const text = `${FRONTMATTER}${lines.join('\n')}${newlineAtEnd ? '\n' : ''}`;
        if (await expectSameAsRemark(text)) accepted++;
      }),
      { numRuns: 1500 },
    );
    // The generator must reach the fast path often enough for the comparison to mean something.
    expect(accepted).toBeGreaterThan(100);
  });

  it('agrees with remark on generated documents built from safe constructs only', async () => {
    const SAFE = fc.constantFrom(
      '',
      '## Objectives',
      '### Detail',
      '# Top',
      'Some text with `code` and [a](a.md).',
      'More text ![i](i.png) `x` [b](b.md)',
      '- item `one` [c](c.md)',
      '- [x] done item',
      '  - nested [d](d.md)',
      '  wrapped item text',
      '1. first',
      '2. second',
      '<!-- comment -->',
      '```',
      'code [not](link) inside',
      '`open',
      'close` [e](e.md)',
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(SAFE, { maxLength: 40 }), async (lines) => {
        if (await expectSameAsRemark(`${FRONTMATTER}${lines.join('\n')}\n`)) accepted++;
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(300);
  });

  it('declines documents without a plain frontmatter block, which remark then reads', async () => {
    for (const text of ['# No frontmatter\n', '---\nid: x\n', '--- \nid: x\n---\n# T\n', '---\nid: x\n--- \n---\n']) {
      expect(scanMarkdown(text, text.split('\n'))).toBeUndefined();
      await expectSameAsRemark(text);
    }
  });
});
