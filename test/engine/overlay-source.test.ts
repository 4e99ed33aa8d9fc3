import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/api/validate.js';
import { FACTS_FILE } from '../../src/engine/cache-files.js';
import { cacheFile, GIT_ENV, makeRepo } from '../helpers/repo.js';
import { stage, validTree } from '../helpers/documents.js';

const brief = (report: Awaited<ReturnType<typeof validate>>) => report.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`);

// The language server validates unsaved text: `overlay` replaces documents of the working tree.
describe('validate with an overlay of unsaved text', () => {
  it('reports on the overlaid text, leaves the file and the cache alone, and sees it from the cross-file rules', async () => {
    const repo = makeRepo(validTree());
    const file = 'stages/mvp/01-skeleton.md';
    const onDisk = readFileSync(path.join(repo, file), 'utf8');
    expect(brief(await validate({ root: repo, env: GIT_ENV }))).toEqual([]);
    const cacheBefore = readFileSync(cacheFile(repo, FACTS_FILE));

    const misspelled = await validate({ root: repo, env: GIT_ENV, overlay: new Map([[file, onDisk.replace('estimate: 2', 'estimat: 2')]]) });
    expect(brief(misspelled)).toEqual([`${file}:9:1 frontmatter-schema`]);
    // The id of the other stage: unique-id needs both documents.
    const duplicate = await validate({ root: repo, env: GIT_ENV, overlay: new Map([[file, onDisk.replace('id: P1-S01', 'id: P1-S00')]]) });
    expect(duplicate.diagnostics.filter((d) => d.ruleId === 'unique-id').map((d) => d.file)).toContain(file);
    expect(readFileSync(path.join(repo, file), 'utf8')).toBe(onDisk);
    expect(readFileSync(cacheFile(repo, FACTS_FILE)).equals(cacheBefore)).toBe(true);

    // The same run without the overlay is clean again: nothing of the unsaved text was kept.
    expect(brief(await validate({ root: repo, env: GIT_ENV }))).toEqual([]);
  });

  it('adds an overlaid document that is not on disk yet, and ignores overlaid paths that are not documents', async () => {
    const repo = makeRepo(validTree());
    const added = 'stages/mvp/02-data.md';
    const report = await validate({
      root: repo,
      env: GIT_ENV,
      overlay: new Map([
        [added, stage({ id: 'P1-S02', order: 2, extra: 'depends_on: [P1-S09]\n' })],
        ['notes/todo.md', 'not a document'],
      ]),
    });
    expect(report.documentCount).toBe(4);
    expect(brief(report)).toEqual([`${added}:13:14 unknown-reference`]);
    expect(readdirSync(path.join(repo, 'stages/mvp'))).not.toContain('02-data.md');
  });

  it('is refused with staged', async () => {
    const repo = makeRepo(validTree());
    await expect(validate({ root: repo, env: GIT_ENV, staged: true, overlay: new Map() })).rejects.toThrow('`overlay` cannot be combined with `staged`');
  });
});
