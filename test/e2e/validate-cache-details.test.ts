import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stage, validTree } from '../helpers/documents.js';
import { cacheFile, makeRepo, runCli } from '../helpers/repo.js';

const CACHE = 'validate-cache.json';
const DETAILS = 'validate-cache-details.json';
const POSITIONS = 'validate-cache-positions.json';
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
  it('keeps bodies, coerced values, sections and positions out of the facts file, in side files tied to it by a token', () => {
    const repo = makeRepo(treeWithFindings());
    runCli(repo, ['validate']);
    const facts = JSON.parse(readFileSync(cacheFile(repo, CACHE), 'utf8'));
    const details = JSON.parse(readFileSync(cacheFile(repo, DETAILS), 'utf8'));
    const positions = JSON.parse(readFileSync(cacheFile(repo, POSITIONS), 'utf8'));
    expect(facts.format).toBe('stagedocs-validate-cache/6');
    expect(details.token).toBe(facts.details);
    expect(positions.token).toBe(facts.details);
    expect(positions.entries[STAGE]['/id']).toEqual({ line: expect.any(Number), column: expect.any(Number) });
    const doc = facts.entries[STAGE].facts.doc;
    expect(doc.positions).toBeUndefined();
    expect(doc.sections).toBeUndefined();
    expect(doc.coerced).toBeUndefined();
    expect(typeof doc.body).toBe('number');
    const kept = details.entries[STAGE];
    expect(kept.body).toHaveLength(doc.body);
    expect(kept.sections.length).toBeGreaterThan(1);
    // Section texts are ranges into the body; items stay with their section.
    expect(kept.sections.every((section: { text: unknown; items: unknown }) => Array.isArray(section.text) && Array.isArray(section.items))).toBe(true);
  });

  it('gives back the sections and bodies of the side file exactly: an audit pack from the cache is the one made without it', () => {
    const tree = validTree();
    tree[STAGE] = stage({ id: 'P1-S01', order: 1 }).replace('## Rollback Plan\n', '## Rollback Plan\n\n- first `step`\n- second step: revert [the change](../../README.md)\n\n');
    const repo = makeRepo(tree);
    const withoutCache = runCli(repo, ['audit-pack', 'P1-S01']);
    expect(withoutCache.code).toBe(0);
    expect(withoutCache.stdout).toContain('second step');
    runCli(repo, ['validate']);
    expect(JSON.parse(readFileSync(cacheFile(repo, DETAILS), 'utf8')).entries[STAGE].body).toContain('second step');
    expect(runCli(repo, ['audit-pack', 'P1-S01'])).toEqual(withoutCache);
    rmSync(cacheFile(repo), { recursive: true });
    expect(runCli(repo, ['audit-pack', 'P1-S01'])).toEqual(withoutCache);
  });

  it('treats a damaged side file entry as a miss: validate leaves it out and rebuilds it; a reader stops with a clear message and drops the cache', () => {
    const repo = makeRepo(treeWithFindings());
    const cold = validateJson(repo, ['--no-cache']);
    runCli(repo, ['validate']);
    const damage = () => {
      const details = JSON.parse(readFileSync(cacheFile(repo, DETAILS), 'utf8'));
      for (const entry of Object.values(details.entries) as Array<{ sections: Array<{ text: unknown }> }>) {
        for (const section of entry.sections) section.text = [0, 10 ** 9];
      }
      writeFileSync(cacheFile(repo, DETAILS), JSON.stringify(details));
    };
    damage();
    // Rewriting a file with its own bytes changes its stamp; without the last findings (a run that
    // reuses them only rehashes the file) the cache is rewritten, which reads every entry's details.
    const rewrite = () => {
      writeFileSync(path.join(repo, STAGE), readFileSync(path.join(repo, STAGE)));
      rmSync(cacheFile(repo, 'validate-result.json'), { force: true });
    };
    rewrite();
    expect(validateJson(repo)).toEqual(cold);
    const rebuilt = JSON.parse(readFileSync(cacheFile(repo, DETAILS), 'utf8'));
    // Every entry was damaged, so none was kept: each file is a miss next time, and is kept again.
    expect(rebuilt.entries).toEqual({});
    expect(rebuilt.token).toBe(JSON.parse(readFileSync(cacheFile(repo, CACHE), 'utf8')).details);
    rewrite();
    expect(validateJson(repo)).toEqual(cold);
    expect(Object.keys(JSON.parse(readFileSync(cacheFile(repo, DETAILS), 'utf8')).entries)).toHaveLength(3);

    // A report reads sections of stages whose facts come from the cache.
    runCli(repo, ['validate']);
    damage();
    const pack = runCli(repo, ['audit-pack', 'P1-S00']);
    expect(pack.code).toBe(2);
    expect(pack.stderr).toContain('was damaged (validate-cache-details.json');
    expect(pack.stderr).not.toContain('internal error');
    expect(existsSync(cacheFile(repo, CACHE))).toBe(false);
    expect(runCli(repo, ['audit-pack', 'P1-S00']).code).toBe(0);
    expect(validateJson(repo)).toEqual(cold);
  });

  it('ignores the facts file when a side file is missing or not the one written with it', () => {
    const repo = makeRepo(treeWithFindings());
    const cold = validateJson(repo, ['--no-cache']);
    runCli(repo, ['validate']);
    // Rewriting a file with its own bytes changes its stamp: without the last findings, a full run
    // that takes its facts from the cache by content hash.
    const rewrite = () => {
      writeFileSync(path.join(repo, STAGE), readFileSync(path.join(repo, STAGE)));
      rmSync(cacheFile(repo, 'validate-result.json'), { force: true });
    };
    rewrite();
    expect(validateJson(repo)).toEqual(cold);

    rmSync(cacheFile(repo, DETAILS));
    rewrite();
    expect(validateJson(repo)).toEqual(cold);
    expect(readFileSync(cacheFile(repo, DETAILS), 'utf8')).toContain(JSON.parse(readFileSync(cacheFile(repo, CACHE), 'utf8')).details);

    rmSync(cacheFile(repo, POSITIONS));
    rewrite();
    expect(validateJson(repo)).toEqual(cold);

    for (const side of [DETAILS, POSITIONS]) {
      const saved = JSON.parse(readFileSync(cacheFile(repo, side), 'utf8'));
      writeFileSync(cacheFile(repo, side), JSON.stringify({ ...saved, token: '0'.repeat(32) }));
      rewrite();
      expect(validateJson(repo)).toEqual(cold);
    }
  });
});
