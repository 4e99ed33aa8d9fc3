import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stage, validTree } from '../helpers/documents.js';
import { gateRepo, gateStage, registryText, runFolders } from '../helpers/gates.js';
import { cacheFile, git, makeRepo, runCli } from '../helpers/repo.js';

const CACHE = 'validate-cache.json';
const DETAILS = 'validate-cache-details.json';
const STAGE = 'stages/mvp/01-skeleton.md';

function validateJson(repo: string, args: string[] = []): unknown {
  const result = runCli(repo, ['validate', '--format', 'json', ...args]);
  return JSON.parse(result.stdout);
}

describe('validate cache', () => {
  it('gives the same diagnostics warm as cold, and writes a cache', () => {
    const tree = validTree();
    tree[STAGE] = stage({ id: 'P1-S01', order: 1, extra: 'bogus: 1\n' });
    const repo = makeRepo(tree);
    const cold = validateJson(repo, ['--no-cache']);
    expect(validateJson(repo)).toEqual(cold);
    expect(JSON.parse(readFileSync(cacheFile(repo, CACHE), 'utf8')).format).toMatch(/^stagedocs-validate-cache\//);
    expect(validateJson(repo)).toEqual(cold);
  });

  it('ignores and rebuilds a corrupt cache file', () => {
    const repo = makeRepo(validTree());
    runCli(repo, ['validate']);
    for (const garbage of ['{"format": "stagedocs-validate-cache/2", "key": ', 'not json at all', '[]', 'null', '{"entries": 5}']) {
      writeFileSync(cacheFile(repo, CACHE), garbage);
      const result = runCli(repo, ['validate']);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('3 files checked, no problems');
      expect(result.code).toBe(0);
      expect(() => JSON.parse(readFileSync(cacheFile(repo, CACHE), 'utf8'))).not.toThrow();
    }
  });

  it('never trusts a foreign cache: other key, or entries of the right key with a damaged shape', () => {
    const repo = makeRepo(validTree());
    runCli(repo, ['validate']);
    const real = JSON.parse(readFileSync(cacheFile(repo, CACHE), 'utf8'));
    const forgedFinding = { ruleId: 'required-sections', line: 1, column: 1, message: 'FORGED' };
    const forged = structuredClone(real);
    forged.key = 'someone-else';
    for (const entry of Object.values(forged.entries) as Array<{ facts: { findings: unknown[] } }>) entry.facts.findings.push(forgedFinding);
    writeFileSync(cacheFile(repo, CACHE), JSON.stringify(forged));
    expect(runCli(repo, ['validate']).stdout).not.toContain('FORGED');

    const damaged = structuredClone(real);
    for (const entry of Object.values(damaged.entries) as Array<{ facts: unknown }>) entry.facts = { doc: 'x' };
    writeFileSync(cacheFile(repo, CACHE), JSON.stringify(damaged));
    const result = runCli(repo, ['validate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 files checked, no problems');
  });

  it('is never stale: a same-size edit with the old mtime restored is still seen (stamps include ctime)', () => {
    const repo = makeRepo(validTree());
    // Whole seconds, so that the time can be restored exactly after the edit.
    const past = Math.floor(Date.now() / 1000) - 60;
    utimesSync(path.join(repo, STAGE), past, past);
    // Stamps whose ctime is within 2 s of the cache's own write are racy and never trusted; wait past
    // that so that this test goes through the stamp path (a wait, not a timed assertion).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    expect(runCli(repo, ['validate']).code).toBe(0);
    const text = readFileSync(path.join(repo, STAGE), 'utf8');
    const edited = text.replace('## Rollback Plan', '## Rollback Plxn');
    expect(edited.length).toBe(text.length);
    writeFileSync(path.join(repo, STAGE), edited);
    utimesSync(path.join(repo, STAGE), past, past);
    // The edit is invisible to size and mtime: only ctime (and the content) tell.
    expect(statSync(path.join(repo, STAGE)).mtimeMs).toBe(past * 1000);
    const result = runCli(repo, ['validate']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Missing required section `Rollback Plan`');
  });

  it('reuses the last findings only while every file a rule looked for is still there (or still missing)', () => {
    const tree = validTree();
    tree[STAGE] = stage({ id: 'P1-S01', order: 1 }).replace('## Objectives\n', '## Objectives\nSee [the api](../../docs/api.md).\n');
    tree['docs/api.md'] = '# API\n';
    const repo = makeRepo(tree);
    // Past the racy window, so that the second and third runs reuse the first run's findings.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    const first = runCli(repo, ['validate']);
    expect(first.stdout).toContain('3 files checked, no problems');
    expect(runCli(repo, ['validate']).stdout).toBe(first.stdout);
    expect(JSON.parse(readFileSync(cacheFile(repo, 'validate-result.json'), 'utf8')).exists).toEqual({ 'docs/api.md': true });
    rmSync(path.join(repo, 'docs/api.md'));
    const after = runCli(repo, ['validate']);
    expect(after.code).toBe(1);
    expect(after.stdout).toContain('broken-link');
  });

  it('gives status the findings validate saved: both validate with the evidence, so neither makes the other run in full', () => {
    const repo = makeRepo(validTree());
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    const withEvidence = cacheFile(repo, 'validate-result.json');
    expect(runCli(repo, ['validate']).code).toBe(0);
    const saved = { text: readFileSync(withEvidence, 'utf8'), mtimeMs: statSync(withEvidence).mtimeMs };
    // status judges sign-off by the validation `validate` runs (api/assess.ts loadAssessment): the same findings, reused.
    const status = runCli(repo, ['status']);
    expect(status.code).toBe(0);
    expect(runCli(repo, ['validate']).code).toBe(0);
    expect(runCli(repo, ['status'])).toEqual(status);
    expect({ text: readFileSync(withEvidence, 'utf8'), mtimeMs: statSync(withEvidence).mtimeMs }).toEqual(saved);
  });

  it('ignores a damaged or foreign result file', () => {
    const repo = makeRepo(validTree());
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    expect(runCli(repo, ['validate']).code).toBe(0);
    const file = cacheFile(repo, 'validate-result.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    saved.findings.push({ file: STAGE, ruleId: 'required-sections', line: 1, column: 1, message: 'FORGED' });
    writeFileSync(file, JSON.stringify({ ...saved, key: 'other' }));
    expect(runCli(repo, ['validate']).stdout).not.toContain('FORGED');
    for (const garbage of ['{', '[]', JSON.stringify({ ...saved, findings: [{ file: 1 }] })]) {
      writeFileSync(file, garbage);
      const result = runCli(repo, ['validate']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('3 files checked, no problems');
    }
  });

  it('does not reuse the last findings when the facts cache beside them is gone', () => {
    const tree = validTree();
    tree[STAGE] = stage({ id: 'P1-S01', order: 1, extra: 'bogus: 1\n' });
    const repo = makeRepo(tree);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    const first = runCli(repo, ['validate']);
    expect(first.code).toBe(1);
    rmSync(cacheFile(repo, CACHE));
    const second = runCli(repo, ['validate']);
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe(first.stdout);
    expect(JSON.parse(readFileSync(cacheFile(repo, CACHE), 'utf8')).format).toMatch(/^stagedocs-validate-cache\//);
  });

  it('sees a file deleted and a file added since the cache was written', () => {
    const repo = makeRepo(validTree());
    expect(runCli(repo, ['validate']).code).toBe(0);
    writeFileSync(path.join(repo, 'stages/mvp/02-next.md'), stage({ id: 'P1-S01', order: 2 }));
    const result = runCli(repo, ['validate']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('4 files checked');
  });

  it('finds staged files by git blob id: an unchanged blob reuses its facts, a changed one is checked, and --staged leaves the cache as it was', () => {
    const repo = makeRepo(validTree());
    const good = readFileSync(path.join(repo, STAGE), 'utf8').replace('estimate: 2', 'estimate: 3');
    expect(good).toContain('estimate: 3');
    writeFileSync(path.join(repo, STAGE), good);
    runCli(repo, ['validate']);
    git(repo, 'add', STAGE);
    const cached = JSON.parse(readFileSync(cacheFile(repo, CACHE), 'utf8'));
    const blob = git(repo, 'rev-parse', `:${STAGE}`).trim();
    expect(cached.entries[STAGE].blob).toBe(blob);
    const before = readFileSync(cacheFile(repo, CACHE));

    // A finding planted in the entry of the staged blob shows that the hook took the facts by blob id.
    const planted = structuredClone(cached);
    planted.entries[STAGE].facts.findings.push({ ruleId: 'required-sections', line: 1, column: 1, message: 'FROM THE CACHE' });
    writeFileSync(cacheFile(repo, CACHE), JSON.stringify(planted));
    expect(runCli(repo, ['validate', '--staged']).stdout).toContain('FROM THE CACHE');
    writeFileSync(cacheFile(repo, CACHE), before);

    // A staged blob the cache does not know is read from the index and checked, whatever the working tree holds.
    writeFileSync(path.join(repo, STAGE), good.replace(/## Rollback Plan[\s\S]*?(?=\n## |$)/, ''));
    git(repo, 'add', STAGE);
    writeFileSync(path.join(repo, STAGE), good);
    const staged = runCli(repo, ['validate', '--staged']);
    expect(staged.code).toBe(1);
    expect(staged.stdout).toContain('Missing required section `Rollback Plan`');
    expect(readFileSync(cacheFile(repo, CACHE)).equals(before)).toBe(true);
  });

  it('never reuses stale gate evidence: a new run, an edited registry row, a removed report.json are all seen', () => {
    const S00 = 'stages/mvp/00-foundation.md';
    const dir = gateRepo({ [S00]: gateStage('  - id: tests\n    run: "true"', { status: 'done' }) });
    const ruleIds = (args: string[]) => (JSON.parse(runCli(dir, ['validate', '--format', 'json', ...args]).stdout).diagnostics as Array<{ ruleId: string }>).map((d) => d.ruleId);
    // Cached or not, the same findings, at every step.
    const rules = () => {
      const cached = ruleIds([]);
      expect(cached).toEqual(ruleIds(['--no-cache']));
      return cached;
    };
    expect(rules()).toEqual(['done-needs-passing-run']);
    expect(rules()).toEqual(['done-needs-passing-run']);
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    expect(rules()).toEqual([]);
    expect(rules()).toEqual([]);
    writeFileSync(path.join(dir, 'gate_results/gate_registry.csv'), registryText(dir).replace(',true,0,0,', ',false,0,0,'));
    // The edited row no longer matches its report: the run does not count, so the done stage has no passing run either.
    expect(rules()).toEqual(['registry-consistent', 'done-needs-passing-run']);
    writeFileSync(path.join(dir, 'gate_results/gate_registry.csv'), registryText(dir).replace(',false,0,0,', ',true,0,0,'));
    expect(rules()).toEqual([]);
    rmSync(path.join(dir, 'gate_results', runFolders(dir)[0]!, 'report.json'));
    expect(rules()).toContain('done-needs-passing-run');
  });

  it('keys the history findings by HEAD: moving HEAD back past the offending commit clears them', () => {
    const FREEZE = 'freeze/P1-S00.freeze.json';
    const freeze = (scope: string) => `${JSON.stringify({ stage: 'P1-S00', protocol_version: '1', created_at: '2026-11-21T09:00:00Z', scope: { dataset: scope }, inputs: {} }, null, 2)}\n`;
    const repo = makeRepo({ ...validTree(), [FREEZE]: freeze('v1') });
    expect(runCli(repo, ['validate']).code).toBe(0);
    writeFileSync(path.join(repo, FREEZE), freeze('v2'));
    git(repo, 'commit', '-q', '-am', 'widen the scope');
    expect(runCli(repo, ['validate']).stdout).toContain('freeze-immutable');
    expect(runCli(repo, ['validate']).stdout).toContain('freeze-immutable');
    git(repo, 'reset', '-q', '--hard', 'HEAD~1');
    const back = runCli(repo, ['validate']);
    expect(back.stdout).not.toContain('freeze-immutable');
    expect(back.code).toBe(0);
  });

  it('keeps section texts as ranges into the body, and never trusts a range outside it', () => {
    const tree = validTree();
    tree[STAGE] = stage({ id: 'P1-S01', order: 1, extra: 'bogus: 1\n' });
    const repo = makeRepo(tree);
    const cold = validateJson(repo, ['--no-cache']);
    runCli(repo, ['validate']);
    const real = JSON.parse(readFileSync(cacheFile(repo, DETAILS), 'utf8'));
    const sections = real.entries[STAGE].sections as Array<{ text: unknown }>;
    expect(sections.length).toBeGreaterThan(0);
    expect(sections.every((section) => Array.isArray(section.text))).toBe(true);

    const damaged = structuredClone(real);
    for (const entry of Object.values(damaged.entries) as Array<{ sections: Array<{ text: unknown }> }>) {
      for (const section of entry.sections) section.text = [0, 10 ** 9];
    }
    writeFileSync(cacheFile(repo, DETAILS), JSON.stringify(damaged));
    // A changed stamp, with no findings to reuse, makes validate rewrite the cache, which reads every
    // entry's sections (a run that reuses the findings only rehashes the touched file).
    writeFileSync(path.join(repo, STAGE), readFileSync(path.join(repo, STAGE)));
    rmSync(cacheFile(repo, 'validate-result.json'));
    expect(validateJson(repo)).toEqual(cold);
    expect(runCli(repo, ['validate', '--format', 'json']).code).toBe(1);
    const rewritten = JSON.parse(readFileSync(cacheFile(repo, DETAILS), 'utf8'));
    expect(Object.values(rewritten.entries).flatMap((entry) => (entry as { sections: Array<{ text: unknown }> }).sections.map((section) => section.text))).not.toContainEqual([0, 10 ** 9]);
  });
});
