import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateRepo, gateStage } from '../helpers/gates.js';
import { git, runCli, tempDir } from '../helpers/repo.js';

/**
 * Issue 13, item 10: in a real `git clone --depth 1`, history readers say that history is incomplete
 * and what to run, instead of printing part of it as if it were all.
 */
const S00 = 'stages/mvp/00-s.md';

function cloned(depth: number | undefined): string {
  const origin = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`) });
  appendFileSync(path.join(origin, S00), '\nA second commit.\n');
  git(origin, 'commit', '-q', '-am', 'second');
  const clone = path.join(tempDir(), 'clone');
  git(origin, 'clone', '-q', ...(depth ? ['--depth', String(depth)] : []), `file://${origin}`, clone);
  return clone;
}

describe('a shallow clone', () => {
  it('trace warns on stderr and in its JSON that commits before the boundary are not shown', () => {
    const clone = cloned(1);
    expect(git(clone, 'rev-parse', '--is-shallow-repository').trim()).toBe('true');
    const pretty = runCli(clone, ['trace', 'P1-S00']);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toContain('Commits (1, newest first)');
    expect(pretty.stderr).toMatch(/^warning: history incomplete: this is a shallow clone.*git fetch --unshallow/m);
    const json = runCli(clone, ['trace', 'P1-S00', '--format', 'json']);
    expect(JSON.parse(json.stdout).notes).toEqual([expect.stringMatching(/history incomplete.*`git fetch --unshallow`.*fetch-depth: 0/)]);
    expect(json.stderr).toBe('');
  }, 60_000);

  it('validate says the history rules were skipped, on stderr and as `notes` in its JSON', () => {
    const clone = cloned(1);
    const json = runCli(clone, ['validate', '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).notes).toEqual([expect.stringMatching(/history rules skipped: history incomplete.*git fetch --unshallow/)]);
    expect(json.stderr).toMatch(/^note: history rules skipped/m);
  }, 60_000);

  it('audit-pack and validate --range refuse (exit 2) rather than report a clean history', () => {
    const clone = cloned(1);
    for (const args of [['audit-pack', '--base', 'HEAD'], ['validate', '--range', 'HEAD..HEAD']]) {
      const result = runCli(clone, args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/history incomplete: fetch with fetch-depth: 0[\s\S]*git fetch --unshallow/);
    }
  }, 60_000);

  it('a full clone has no such note', () => {
    const clone = cloned(undefined);
    const trace = runCli(clone, ['trace', 'P1-S00', '--format', 'json']);
    expect(JSON.parse(trace.stdout).notes).toBeUndefined();
    expect(JSON.parse(trace.stdout).commits).toHaveLength(2);
    expect(JSON.parse(runCli(clone, ['validate', '--format', 'json']).stdout).notes).toBeUndefined();
  }, 60_000);
});
