import { closeSync, openSync, readFileSync, readSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stage, validTree } from '../helpers/documents.js';
import { sleep, startCli } from '../helpers/gates.js';
import { cacheFile, makeRepo, runCli } from '../helpers/repo.js';

// Issue 19: each facts file entry names the byte ranges of its members in the two side files, so that
// a rewrite copies unchanged members as they are and a reader parses only the entries it uses.
const CACHE = 'validate-cache.json';
const DETAILS = 'validate-cache-details.json';
const POSITIONS = 'validate-cache-positions.json';
const EDITED = 'stages/mvp/01-skeleton.md';
const OTHER = 'stages/mvp/00-foundation.md';

type Range = [number, number];

function factsEntries(repo: string): Record<string, { side: [Range, Range] }> {
  return JSON.parse(readFileSync(cacheFile(repo, CACHE), 'utf8')).entries;
}

/** The bytes of a side file at a range, as text. */
function bytesAt(repo: string, side: string, [start, length]: Range): string {
  const fd = openSync(cacheFile(repo, side), 'r');
  try {
    const bytes = Buffer.alloc(length);
    const read = readSync(fd, bytes, 0, length, start);
    return bytes.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Every entry's ranges give exactly its member (`"file":value`) in both side files, as JSON.parse reads them. */
function expectRangesResolve(repo: string): void {
  const details = JSON.parse(readFileSync(cacheFile(repo, DETAILS), 'utf8')).entries;
  const positions = JSON.parse(readFileSync(cacheFile(repo, POSITIONS), 'utf8')).entries;
  const entries = factsEntries(repo);
  expect(Object.keys(entries).sort()).toEqual(Object.keys(details).sort());
  for (const [file, entry] of Object.entries(entries)) {
    expect(bytesAt(repo, DETAILS, entry.side[0])).toBe(`${JSON.stringify(file)}:${JSON.stringify(details[file])}`);
    expect(bytesAt(repo, POSITIONS, entry.side[1])).toBe(`${JSON.stringify(file)}:${JSON.stringify(positions[file])}`);
  }
}

/** A tree whose stage has a frontmatter problem (positions) and a missing section (sections). */
function treeWithFindings(): Record<string, string> {
  const tree = validTree();
  tree[EDITED] = stage({ id: 'P1-S01', order: 1, extra: 'bogus: 1\n' }).replace(/## Rollback Plan[\s\S]*?(?=\n## |$)/, '');
  return tree;
}

const validateJson = (repo: string, args: string[] = []) => runCli(repo, ['validate', '--format', 'json', ...args]);
/** An edit that keeps the stage's findings: a line added to its objectives. */
const edit = (repo: string, line: string) => writeFileSync(path.join(repo, EDITED), readFileSync(path.join(repo, EDITED), 'utf8').replace('## Objectives\n', `## Objectives\n- ${line}\n`));

describe('validate cache side file ranges', () => {
  it('names each entry’s members in the side files by byte range, and copies unchanged members as they are', () => {
    const repo = makeRepo(treeWithFindings());
    runCli(repo, ['validate']);
    expectRangesResolve(repo);
    const before = factsEntries(repo)[OTHER]!.side;
    const otherDetails = bytesAt(repo, DETAILS, before[0]);
    const editedDetails = bytesAt(repo, DETAILS, factsEntries(repo)[EDITED]!.side[0]);

    edit(repo, 'Serve one more endpoint, with `ünïcödé` text');
    const warm = validateJson(repo);
    expect(warm).toEqual(validateJson(repo, ['--no-cache']));
    expectRangesResolve(repo);
    const after = factsEntries(repo);
    expect(bytesAt(repo, DETAILS, after[OTHER]!.side[0])).toBe(otherDetails);
    expect(bytesAt(repo, DETAILS, after[EDITED]!.side[0])).not.toBe(editedDetails);
    expect(bytesAt(repo, DETAILS, after[EDITED]!.side[0])).toContain('ünïcödé');
  });

  it('lets a reader parse only the entries it uses: a damaged entry of another stage does not stop an audit pack', async () => {
    const repo = makeRepo(validTree());
    const expected = runCli(repo, ['audit-pack', 'P1-S01', '--format', 'json']);
    expect(expected.code).toBe(0);
    // Files written within 2 s of the cache are racy and rehashed, which rewrites the cache: wait
    // until they are not, so the audit packs below only read it.
    await sleep(2100);
    runCli(repo, ['validate']);
    runCli(repo, ['audit-pack', 'P1-S01']);
    // Damage the other stage's details member in place (same length), so the file as a whole is no longer JSON.
    const [start, length] = factsEntries(repo)[OTHER]!.side[0];
    const fd = openSync(cacheFile(repo, DETAILS), 'r+');
    const prefix = Buffer.byteLength(`${JSON.stringify(OTHER)}:`);
    const broken = Buffer.from('#'.repeat(length - prefix));
    writeSync(fd, broken, 0, broken.length, start + prefix);
    closeSync(fd);
    expect(() => JSON.parse(readFileSync(cacheFile(repo, DETAILS), 'utf8'))).toThrow();

    expect(runCli(repo, ['audit-pack', 'P1-S01', '--format', 'json'])).toEqual(expected);
    // The stage whose entry is damaged: a clear usage error that drops the cache, then a clean run.
    const damaged = runCli(repo, ['audit-pack', 'P1-S00']);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toContain('was damaged (validate-cache-details.json');
    expect(damaged.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(runCli(repo, ['audit-pack', 'P1-S01', '--format', 'json'])).toEqual(expected);
  });

  it('degrades a truncated side file to parsing the lost entries again, never to other findings', () => {
    for (const side of [DETAILS, POSITIONS]) {
      const repo = makeRepo(treeWithFindings());
      const cold = validateJson(repo, ['--no-cache']);
      const pack = runCli(repo, ['audit-pack', '--format', 'json']);
      runCli(repo, ['validate']);
      truncateSync(cacheFile(repo, side), Math.floor(statSync(cacheFile(repo, side)).size / 2));
      // Nothing changed: the last findings stand (no side file value is read).
      expect(validateJson(repo)).toEqual(cold);
      // A rewrite copies the members still there and parses the others again.
      edit(repo, 'first');
      const edited = validateJson(repo, ['--no-cache']);
      expect(validateJson(repo)).toEqual(edited);
      expect(validateJson(repo)).toEqual(edited);
      expectRangesResolve(repo);
      expect(Object.keys(factsEntries(repo))).toHaveLength(3);
      writeFileSync(path.join(repo, EDITED), treeWithFindings()[EDITED]!);
      expect(validateJson(repo)).toEqual(cold);
      expect(runCli(repo, ['audit-pack', '--format', 'json'])).toEqual(pack);

      // A reader meeting a truncated side file stops with a clear message; the next run is cold and right.
      truncateSync(cacheFile(repo, side), 20);
      const stopped = runCli(repo, ['audit-pack', '--format', 'json']);
      if (stopped.code !== 0) {
        expect(stopped.code).toBe(2);
        expect(stopped.stderr).toContain(`was damaged (${side}`);
      } else expect(stopped).toEqual(pack);
      expect(runCli(repo, ['audit-pack', '--format', 'json'])).toEqual(pack);
      expect(validateJson(repo)).toEqual(cold);
    }
  });

  it('keeps the three files consistent when several runs rewrite the cache at once', async () => {
    const repo = makeRepo(treeWithFindings());
    runCli(repo, ['validate']);
    edit(repo, 'concurrent');
    const expected = validateJson(repo, ['--no-cache']);
    const runs = await Promise.all([0, 1, 2, 3].map(() => startCli(repo, ['validate', '--format', 'json']).done));
    for (const run of runs) expect(run).toEqual(expected);
    expectRangesResolve(repo);
    expect(validateJson(repo)).toEqual(expected);
    const pack = runCli(repo, ['audit-pack', '--format', 'json']);
    expect(pack.code).toBe(0);
    rmSync(cacheFile(repo), { recursive: true });
    expect(runCli(repo, ['audit-pack', '--format', 'json'])).toEqual(pack);
  });
});
