import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/engine/load-repository.js';
import { defaultConfig } from '../../src/model/config.js';
import { plainDocument } from '../../src/model/documents.js';
import { parseDocumentText } from '../../src/parse/document.js';
import { phase, stage, STAGE_SECTIONS, validTree } from '../helpers/documents.js';
import { makeRepo } from '../helpers/repo.js';

/**
 * A run that keeps no facts cache parses with `places: 'when-asked'`: the places of a frontmatter's
 * keys and values are read again from its text when first asked for (issue 19, round 7). Every
 * document must then give exactly what reading them at once gives, whichever reader read it.
 */
async function expectSamePlaces(file: string, text: string): Promise<void> {
  const options = { maxBytes: defaultConfig().limits.max_file_bytes };
  const now = await parseDocumentText(file, text, { ...options, places: 'now' });
  const later = await parseDocumentText(file, text, { ...options, places: 'when-asked' });
  expect(later.problems, file).toEqual(now.problems);
  const plain = plainDocument(later.doc);
  expect(plain, file).toEqual(plainDocument(now.doc));
  // A worker's message (a structured clone) carries the plain document whole.
  expect(structuredClone(plain), file).toEqual(plain);
}

/** The markdown documents under a folder of this repository, repository-relative. */
function documentsUnder(folder: string): string[] {
  const root = path.resolve(import.meta.dirname, '../..');
  return (readdirSync(path.join(root, folder), { recursive: true }) as string[])
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(folder, name).split(path.sep).join('/'))
    .sort();
}

describe('frontmatter places read when asked for', () => {
  it('are those read at once, for every document of this repository', async () => {
    const files = [...documentsUnder('stages'), ...documentsUnder('decisions')];
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) await expectSamePlaces(file, readFileSync(path.resolve(import.meta.dirname, '../..', file), 'utf8'));
  });

  it('are those read at once, for generated documents the fast reader reads, declines or finds broken', async () => {
    const EXTRA = fc.constantFrom(
      'depends_on: [P1-S00, P1-S01]\n',
      'protected: ["src/**", docs/api.md]\n',
      'agents:\n  may_modify:\n    - src/**\n  must_not_modify: [LICENSE]\n',
      'estimate: 1.10\n',
      'status: 3\n',
      '# a comment the fast reader leaves to yaml\n',
      'notes: |\n  a block scalar\n',
      'links:\n  - { href: x }\n',
      'title: "second title"\n',
      'gates:\n  - id: lint\n    run: 3\n',
      'bad: [unclosed\n',
      '',
    );
    const BODY = fc.constantFrom(STAGE_SECTIONS, '# T\n\nSetext\n======\n\n## Objectives\n- a\n', '# T\n\n<div>\n\n## Objectives\n</div>\n', '');
    await fc.assert(
      fc.asyncProperty(fc.array(EXTRA, { maxLength: 3 }), BODY, fc.boolean(), async (extras, body, asPhase) => {
        const text = asPhase ? phase({ extra: extras.join('') }) : stage({ extra: extras.join(''), body });
        await expectSamePlaces(asPhase ? 'stages/p1/phase.md' : 'stages/p1/00-a.md', text);
      }),
      { numRuns: 300 },
    );
    // Frontmatter that is no mapping, or not closed, or absent.
    for (const text of ['---\n- a list\n---\n# T\n', '---\nid: x\n# never closed\n', '# No frontmatter\n', '---\n---\n# Empty\n']) await expectSamePlaces('stages/p1/00-a.md', text);
  });

  it('place the findings of a run without a cache where a run that fills one places them', async () => {
    const tree = validTree();
    // Findings on a nested key (the schema) and on a list item (a cross-file rule): each message needs
    // a place from deep in the frontmatter.
    tree['stages/mvp/00-foundation.md'] = stage({ id: 'P1-S00', gates: 'gates:\n  - id: tests\n    run: "true"\n    surprise: x' });
    tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1, extra: 'depends_on: [P1-S00, P1-S09]\n' });
    const root = makeRepo(tree);
    const uncached = (await loadRepository(root, { cache: false })).validation.diagnostics;
    const cached = (await loadRepository(root, { cache: true })).validation.diagnostics;
    expect(uncached).toEqual(cached);
    // And the places are those of the text: the key, and the second item of the list.
    const placeOf = (file: string, needle: string) => {
      const lines = tree[file]!.split('\n');
      const line = lines.findIndex((text) => text.includes(needle));
      return { file, line: line + 1, column: lines[line]!.indexOf(needle) + 1 };
    };
    expect(uncached.map(({ file, line, column }) => ({ file, line, column }))).toEqual(
      expect.arrayContaining([placeOf('stages/mvp/00-foundation.md', 'surprise'), placeOf('stages/mvp/01-skeleton.md', 'P1-S09')]),
    );
  });
});
