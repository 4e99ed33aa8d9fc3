import { describe, expect, it } from 'vitest';
import { phase, stage } from '../helpers/documents.js';
import { makeRepo, runCli } from '../helpers/repo.js';

describe('validate with worker threads', () => {
  it('reports exactly what a single-threaded run reports', () => {
    const tree: Record<string, string> = { 'stages/big/phase.md': phase() };
    // Above the batch size at which workers start (400 files), with problems spread over both shares.
    for (let i = 0; i < 450; i++) {
      const id = `P1-S${String(i).padStart(3, '0')}`;
      let text = stage({ id, order: i, status: i < 3 ? 'done' : 'not-started' });
      if (i % 97 === 5) text = text.replace('## Rollback Plan', '## Rollback');
      if (i % 101 === 7) text = text.replace('estimate: 2', 'estimate: lots');
      tree[`stages/big/${String(i).padStart(3, '0')}-s.md`] = text;
    }
    const repo = makeRepo(tree);
    const single = runCli(repo, ['validate', '--no-cache', '--format', 'json'], { env: { STAGEDOCS_WORKERS: '0' } });
    const parallel = runCli(repo, ['validate', '--no-cache', '--format', 'json'], { env: { STAGEDOCS_WORKERS: '1' } });
    expect(single.code).toBe(1);
    const report = JSON.parse(single.stdout);
    expect(report.fileCount).toBe(451);
    expect(report.errorCount).toBeGreaterThanOrEqual(8);
    expect(parallel.stdout).toBe(single.stdout);
    expect(parallel.code).toBe(single.code);
  });

  it('refuses a STAGEDOCS_WORKERS that is not a whole number, with exit 2', () => {
    const repo = makeRepo({ 'stages/big/phase.md': phase() });
    const result = runCli(repo, ['validate'], { env: { STAGEDOCS_WORKERS: 'many' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('STAGEDOCS_WORKERS is `many`');
  });
});
