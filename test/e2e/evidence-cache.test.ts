import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gateRepo, gateStage } from '../helpers/gates.js';
import { cacheFile, runCli } from '../helpers/repo.js';

// validate keeps the gate evidence it loads (every report.json, checked against the registry) in
// evidence-cache.json (in the git directory) as JSON text with its hash; a warm run reads only the text's hash.
const CACHE = 'evidence-cache.json';
const S00 = 'stages/mvp/00-foundation.md';

function diagnostics(dir: string, args: string[] = []): unknown {
  const result = runCli(dir, ['validate', '--format', 'json', ...args]);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout);
}

describe('evidence cache', () => {
  it('is written by validate and gives the findings of a run without it', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: tests\n    run: "true"', { status: 'done' }) });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    const cold = diagnostics(dir, ['--no-cache']);
    expect(diagnostics(dir)).toEqual(cold);
    const saved = JSON.parse(readFileSync(cacheFile(dir, CACHE), 'utf8')) as { value: string; hash: string };
    expect(typeof saved.value).toBe('string');
    expect(JSON.parse(saved.value).runs).toHaveLength(1);
    expect(diagnostics(dir)).toEqual(cold);
  });

  it('ignores and rebuilds a damaged file: a value that no longer matches its hash is never trusted', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: tests\n    run: "true"', { status: 'done' }) });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    // Stamps taken within 2 s of the cache's write are racy and never trusted: wait, so they are.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    const clean = diagnostics(dir);
    expect(clean).toMatchObject({ errorCount: 0 });
    // Drop the run from the cached evidence: trusted, it would say the done stage has no passing run.
    const file = cacheFile(dir, CACHE);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { value: string };
    writeFileSync(file, JSON.stringify({ ...saved, value: JSON.stringify({ ...JSON.parse(saved.value), runs: [] }) }));
    // Without the last findings to reuse, the rules read the evidence.
    rmSync(cacheFile(dir, 'validate-result.json'));
    expect(diagnostics(dir)).toEqual(clean);
    // Not JSON at all.
    writeFileSync(file, '{"format": "stagedocs-derived-cache/2", "value": ');
    expect(diagnostics(dir)).toEqual(clean);
    expect(JSON.parse(JSON.parse(readFileSync(file, 'utf8')).value).runs).toHaveLength(1);
  });
});
