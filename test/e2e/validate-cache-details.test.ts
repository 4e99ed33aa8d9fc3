import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stage, validTree } from '../helpers/documents.js';
import { makeRepo, runCli } from '../helpers/repo.js';

const CACHE = '.stagedocs/validate-cache.json';
const DETAILS = '.stagedocs/validate-cache-details.json';
const POSITIONS = '.stagedocs/validate-cache-positions.json';
const STAGE = 'stages/mvp/01-skeleton.md';

function validateJson(repo: string, args: string[] = []): unknown {
  return JSON.parse(runCli(repo, ['validate', '--format', 'json', ...args]).stdout);
}

/** A tree whose stage has a frontmatter problem (positions) and a missing section (section texts and items). */
function treeWithFindings(): Record<string, string> {
  const tree = validTree();
  tree[STAGE] = stage({ id: 'P1-S01', order: 1, extra: 'bogus: 1\n' }).replace(/## Rollback Plan[\s\S]*?(?=\n## |$)/, '');
  return tree;
}

describe('validate cache details file', () => {
  it('keeps bodies, positions and list items out of the facts file, in side files tied to it by a token', () => {
    const repo = makeRepo(treeWithFindings());
    runCli(repo, ['validate']);
    const facts = JSON.parse(readFileSync(path.join(repo, CACHE), 'utf8'));
    const details = JSON.parse(readFileSync(path.join(repo, DETAILS), 'utf8'));
    const positions = JSON.parse(readFileSync(path.join(repo, POSITIONS), 'utf8'));
    expect(details.token).toBe(facts.details);
    expect(positions.token).toBe(facts.details);
    expect(positions.entries[STAGE]['/id']).toEqual({ line: expect.any(Number), column: expect.any(Number) });
    const doc = facts.entries[STAGE].facts.doc;
    expect(doc.positions).toBeUndefined();
    expect(typeof doc.body).toBe('number');
    expect(doc.sections.every((section: object) => !('items' in section))).toBe(true);
    expect(details.entries[STAGE].body).toHaveLength(doc.body);
    expect(details.entries[STAGE].items).toHaveLength(doc.sections.length);
  });

  it('ignores the facts file when a side file is missing or not the one written with it', () => {
    const repo = makeRepo(treeWithFindings());
    const cold = validateJson(repo, ['--no-cache']);
    runCli(repo, ['validate']);
    // Rewriting a file with its own bytes changes its stamp: a full run that takes its facts from the cache by content hash.
    const rewrite = () => writeFileSync(path.join(repo, STAGE), readFileSync(path.join(repo, STAGE)));
    rewrite();
    expect(validateJson(repo)).toEqual(cold);

    rmSync(path.join(repo, DETAILS));
    rewrite();
    expect(validateJson(repo)).toEqual(cold);
    expect(readFileSync(path.join(repo, DETAILS), 'utf8')).toContain(JSON.parse(readFileSync(path.join(repo, CACHE), 'utf8')).details);

    rmSync(path.join(repo, POSITIONS));
    rewrite();
    expect(validateJson(repo)).toEqual(cold);

    for (const side of [DETAILS, POSITIONS]) {
      const saved = JSON.parse(readFileSync(path.join(repo, side), 'utf8'));
      writeFileSync(path.join(repo, side), JSON.stringify({ ...saved, token: '0'.repeat(32) }));
      rewrite();
      expect(validateJson(repo)).toEqual(cold);
    }
  });
});
