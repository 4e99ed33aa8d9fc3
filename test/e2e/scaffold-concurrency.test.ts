import { mkdirSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateRepo, gateStage, startCli } from '../helpers/gates.js';
import { cacheFile, runCli } from '../helpers/repo.js';

/**
 * Issue 13, item 9: scaffolding is safe under concurrency (six real CLI processes at once), a dead
 * process's lock is broken with a message, and `gate run` refuses an id two documents declare.
 */
const S00 = 'stages/mvp/00-s.md';
const OWNER = ['--owner', 'alice@example.com'];

function idsIn(dir: string, folder: string): string[] {
  return readdirSync(path.join(dir, folder))
    .filter((name) => name.endsWith('.md') && name !== 'phase.md' && name !== 'README.md')
    .map((name) => /^(?:id|decision_tag): "?([^"\n]+)"?$/m.exec(readFileSync(path.join(dir, folder, name), 'utf8'))?.[1] ?? name);
}

describe('concurrent scaffolding', () => {
  it('six concurrent new-stage in one phase all succeed with distinct ids and orders', async () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`) });
    const runs = Array.from({ length: 6 }, (_, index) => startCli(dir, ['new-stage', `Parallel stage ${index}`, '--phase', 'P1', '--gate', 'true', ...OWNER]).done);
    const results = await Promise.all(runs);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const ids = idsIn(dir, 'stages/mvp');
    expect(ids).toHaveLength(7);
    expect(new Set(ids).size).toBe(7);
    expect(runCli(dir, ['validate']).code).toBe(0);
  }, 120_000);

  it('six concurrent new-decision all succeed with distinct tags', async () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`) });
    const runs = Array.from({ length: 6 }, (_, index) => startCli(dir, ['new-decision', `Parallel decision ${index}`, ...OWNER]).done);
    const results = await Promise.all(runs);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const tags = idsIn(dir, 'decisions');
    expect(tags.sort()).toEqual(['001', '002', '003', '004', '005', '006'].map((n) => `D-2026-11-21-${n}`));
  }, 120_000);

  it('a lock left by a dead process is broken once stale, with a message', () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`) });
    // What proper-lockfile leaves when its holder is killed: the lock folder, no longer refreshed.
    const lock = cacheFile(dir, 'scaffold.lock');
    mkdirSync(lock, { recursive: true });
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(lock, longAgo, longAgo);
    const result = runCli(dir, ['new-decision', 'After a crash', ...OWNER]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning broke the stale scaffolding lock ${path.relative(dir, lock)}: its holder stopped refreshing it`);
  }, 60_000);
});

describe('gate run of an id several documents declare', () => {
  it('refuses with exit 2 naming every file, and runs nothing', () => {
    const twin = gateStage(`  - id: other\n    run: "touch ran-the-twin"`, { order: 1 });
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "touch ran-the-first"`), 'stages/mvp/01-twin.md': twin });
    const result = runCli(dir, ['gate', 'run', 'P1-S00']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Stage id `P1-S00` is declared by 2 documents: stages/mvp/00-s.md, stages/mvp/01-twin.md');
    expect(readdirSync(dir)).not.toContain('ran-the-first');
    expect(readdirSync(dir)).not.toContain('ran-the-twin');
  }, 60_000);
});
