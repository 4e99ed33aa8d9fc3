import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { phase, stage } from '../helpers/documents.js';
import { sleep } from '../helpers/gates.js';
import { cacheFile, makeRepo, runCli } from '../helpers/repo.js';

// Issue 19: a run that changed a few of many documents writes only the delta file (the entries that
// differ from the facts file), not the three large files; past 1% of the entries it rewrites them.
const BASE = ['validate-cache.json', 'validate-cache-details.json', 'validate-cache-positions.json'];
const DELTA = 'validate-cache-delta.json';
/** 250 stages and their phase: 251 entries, so a delta holds at most 2. */
const STAGES = 250;

const fileOf = (n: number) => `stages/mvp/${String(n).padStart(3, '0')}-s.md`;

function bigTree(): Record<string, string> {
  const tree: Record<string, string> = { 'stages/mvp/phase.md': phase() };
  for (let n = 0; n < STAGES; n++) tree[fileOf(n)] = stage({ id: `P1-S${String(n).padStart(3, '0')}`, order: n });
  return tree;
}

/** Each base file's bytes, inode and mtime: what a rewrite would change. */
function baseFiles(repo: string): string[] {
  return BASE.map((name) => {
    const info = statSync(cacheFile(repo, name));
    return `${name} ${info.ino} ${info.mtimeMs} ${readFileSync(cacheFile(repo, name), 'utf8').length}`;
  });
}

function delta(repo: string): { base: string; entries: Record<string, { inline?: unknown; side?: unknown }>; dropped: string[] } {
  return JSON.parse(readFileSync(cacheFile(repo, DELTA), 'utf8'));
}

/** An edit the findings show: an estimate over the limit (a stage-size warning). */
const overEstimate = (repo: string, n: number, hours: number) => {
  const file = path.join(repo, fileOf(n));
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^estimate: .*$/m, `estimate: ${hours}`));
};

const validateJson = (repo: string, args: string[] = []) => runCli(repo, ['validate', '--format', 'json', ...args]);

/** A repository whose facts file is written and settled: its stamps are no longer racy (within 2 s of the write). */
async function settledRepo(): Promise<string> {
  const repo = makeRepo(bigTree());
  await sleep(2100);
  expect(validateJson(repo).code).toBe(0);
  return repo;
}

describe('validate cache delta file', () => {
  it('writes one edited document to the delta file and leaves the three files as they are', async () => {
    const repo = await settledRepo();
    const before = baseFiles(repo);
    const token = JSON.parse(readFileSync(cacheFile(repo, BASE[0]), 'utf8')).details as string;

    overEstimate(repo, 7, 9);
    const edited = validateJson(repo);
    expect(edited.stdout).toContain('stage-size');
    expect(edited).toEqual(validateJson(repo, ['--no-cache']));
    expect(baseFiles(repo)).toEqual(before);
    expect(delta(repo).base).toBe(token);
    expect(Object.keys(delta(repo).entries)).toEqual([fileOf(7)]);
    expect(delta(repo).entries[fileOf(7)]!.inline).toBeDefined();
    // Read back through the delta: the same findings, and the same audit pack as without a cache.
    expect(validateJson(repo)).toEqual(edited);
    const pack = runCli(repo, ['audit-pack', 'P1-S007']);
    expect(pack.code).toBe(0);
    expect(baseFiles(repo)).toEqual(before);
    rmSync(cacheFile(repo), { recursive: true });
    expect(runCli(repo, ['audit-pack', 'P1-S007'])).toEqual(pack);

    // Undone: the findings of the facts file alone again.
    overEstimate(repo, 7, 2);
    expect(validateJson(repo).stdout).not.toContain('stage-size');
    expect(validateJson(repo)).toEqual(validateJson(repo, ['--no-cache']));
  }, 60_000);

  it('drops a deleted document in the delta file, and keeps an unchanged one touched on disk by reference', async () => {
    const repo = await settledRepo();
    const before = baseFiles(repo);
    rmSync(path.join(repo, fileOf(STAGES - 1)));
    // A write of the same bytes: a new stamp, the same content (its side values stay in the side files).
    writeFileSync(path.join(repo, fileOf(3)), readFileSync(path.join(repo, fileOf(3))));
    const result = validateJson(repo);
    expect(result).toEqual(validateJson(repo, ['--no-cache']));
    expect(baseFiles(repo)).toEqual(before);
    expect(delta(repo).dropped).toEqual([fileOf(STAGES - 1)]);
    expect(delta(repo).entries[fileOf(3)]!.side).toBeDefined();
    expect(delta(repo).entries[fileOf(3)]!.inline).toBeUndefined();

    // Read back over the facts file: with the last findings gone, every entry is found and none is
    // dropped, so nothing is written; the dropped document is unknown, not the facts file's copy. (A
    // run that reuses the findings rehashes a touched file without writing the facts cache: the full
    // run, once its stamps settled, restamps it.)
    await sleep(2100);
    rmSync(cacheFile(repo, 'validate-result.json'));
    validateJson(repo);
    await sleep(2100);
    const deltaStat = () => `${statSync(cacheFile(repo, DELTA)).ino} ${statSync(cacheFile(repo, DELTA)).mtimeMs}`;
    const written = deltaStat();
    rmSync(cacheFile(repo, 'validate-result.json'));
    expect(validateJson(repo)).toEqual(result);
    expect(deltaStat()).toBe(written);
    writeFileSync(path.join(repo, fileOf(STAGES - 1)), bigTree()[fileOf(STAGES - 1)]!);
    const back = validateJson(repo);
    expect(back).toEqual(validateJson(repo, ['--no-cache']));
    expect(back.stdout).not.toEqual(result.stdout);
    expect(delta(repo).dropped).toEqual([]);
    expect(delta(repo).entries).toHaveProperty([fileOf(STAGES - 1)]);
    expect(baseFiles(repo)).toEqual(before);
  }, 60_000);

  it('rewrites the three files, and removes the delta file, once more than 1% of the entries differ', async () => {
    const repo = await settledRepo();
    const before = baseFiles(repo);
    overEstimate(repo, 1, 9);
    validateJson(repo);
    expect(delta(repo).entries).toHaveProperty([fileOf(1)]);
    for (const n of [2, 3, 4]) overEstimate(repo, n, 9);
    const result = validateJson(repo);
    expect(result).toEqual(validateJson(repo, ['--no-cache']));
    expect(baseFiles(repo)).not.toEqual(before);
    expect(() => statSync(cacheFile(repo, DELTA))).toThrow();
    expect(validateJson(repo)).toEqual(result);
  }, 60_000);

  it('never applies a damaged delta file or one written for another facts file: a miss, the same findings', async () => {
    const repo = await settledRepo();
    overEstimate(repo, 5, 9);
    const expected = validateJson(repo, ['--no-cache']);
    expect(validateJson(repo)).toEqual(expected);
    const written = readFileSync(cacheFile(repo, DELTA), 'utf8');
    const damaged = [
      written.slice(0, written.length / 2),
      written.replace(/"base":"[0-9a-f]+"/, `"base":"${'0'.repeat(32)}"`),
      '{"format":"stagedocs-validate-cache-delta/1","entries":[],"dropped":{}}',
    ];
    for (const text of damaged) {
      writeFileSync(cacheFile(repo, DELTA), text);
      // A changed delta file does not match the stamp the last findings were made with: a full run.
      expect(validateJson(repo)).toEqual(expected);
    }
  }, 60_000);
});
