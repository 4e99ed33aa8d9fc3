import { defaultConfig } from '../../src/model/config.js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexSource, readIndex } from '../../src/git/index-source.js';
import { validTree } from '../helpers/documents.js';
import { GIT_ENV, git, makeRepo } from '../helpers/repo.js';

const STAGE = 'stages/mvp/01-skeleton.md';

describe('the git index as a document source', () => {
  it('lists each staged path once, the first stage of a conflicted path, with its mode and blob id', async () => {
    const repo = makeRepo({ ...validTree(), 'notes/a b.txt': 'x\n' });
    git(repo, 'checkout', '-q', '-b', 'side');
    writeFileSync(path.join(repo, STAGE), 'side\n');
    git(repo, 'commit', '-q', '-am', 'side');
    git(repo, 'checkout', '-q', '-');
    writeFileSync(path.join(repo, STAGE), 'main\n');
    git(repo, 'commit', '-q', '-am', 'main');
    expect(() => git(repo, 'merge', '-q', 'side')).toThrow();

    const entries = await readIndex(repo, GIT_ENV);
    const listed = git(repo, 'ls-files', '--stage').trim().split('\n');
    expect(entries.map((entry) => entry.path)).toEqual([...new Set(listed.map((line) => line.split('\t')[1]))]);
    const firstOfStage = listed.find((line) => line.endsWith(`\t${STAGE}`))!;
    expect(entries.find((entry) => entry.path === STAGE)).toEqual({ mode: '100644', blob: firstOfStage.split(' ')[1], path: STAGE });
    expect(entries.find((entry) => entry.path === 'notes/a b.txt')).toMatchObject({ mode: '100644', blob: expect.stringMatching(/^[0-9a-f]{40}$/) });
  });

  it('knows staged files and the folders holding them, nothing else', async () => {
    const repo = makeRepo({ ...validTree(), 'docs/api/v1/spec.md': '# Spec\n' });
    const source = await indexSource(repo, defaultConfig(), await readIndex(repo, GIT_ENV), GIT_ENV);
    for (const present of ['docs/api/v1/spec.md', 'docs/api/v1', 'docs/api/', 'docs', STAGE, 'stages/mvp']) expect(source.exists(present), present).toBe(true);
    for (const absent of ['docs/api/v2', 'docs/api/v1/spec', 'doc', '.', '', 'stages/mvp/01-skeleton.md/x']) expect(source.exists(absent), absent).toBe(false);
    expect(await source.list()).toContain(STAGE);
    expect(new TextDecoder().decode(await source.read(STAGE))).toContain('P1-S01');
  });

  it('reads the staged bytes, from the working tree only when they are the same bytes', async () => {
    const repo = makeRepo(validTree());
    const staged = 'staged\n';
    writeFileSync(path.join(repo, STAGE), staged);
    git(repo, 'add', STAGE);
    const read = async () => new TextDecoder().decode(await (await indexSource(repo, defaultConfig(), await readIndex(repo, GIT_ENV), GIT_ENV)).read(STAGE));
    expect(await read()).toBe(staged);
    // Same length, other bytes: only the blob id tells them apart.
    writeFileSync(path.join(repo, STAGE), 'stagex\n');
    expect(await read()).toBe(staged);
    rmSync(path.join(repo, STAGE));
    expect(await read()).toBe(staged);
    mkdirSync(path.join(repo, STAGE));
    expect(await read()).toBe(staged);
  });
});
