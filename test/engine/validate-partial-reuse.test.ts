import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/engine/config.js';
import { FactsCache } from '../../src/engine/facts-cache.js';
import { workingTreeSource } from '../../src/engine/source.js';
import { validateRepository } from '../../src/engine/validate.js';
import { cacheDirOf } from '../../src/util/cache-location.js';
import { phase, stage, STAGE_SECTIONS } from '../helpers/documents.js';
import { makeRepo } from '../helpers/repo.js';

// Issue 19: after an edit that changes nothing the cross-file rules read, validate reuses the last
// findings for every other document (engine/reuse.ts) instead of rerunning every rule over all of
// them; any other edit validates in full. Either way the findings are those of a run without a cache.

/** 120 stages (a delta file holds at most 1% of the entries, so at least 100 documents), each depending on the one before and linking to the next. */
const STAGES = 120;
const fileOf = (n: number) => `stages/mvp/${String(n).padStart(3, '0')}-s.md`;
const idOf = (n: number) => `P1-S${String(n).padStart(3, '0')}`;

function tree(): Record<string, string> {
  const files: Record<string, string> = { 'stages/mvp/phase.md': phase() };
  for (let n = 0; n < STAGES; n++) {
    const extra = n > 0 ? `depends_on: [${idOf(n - 1)}]\n` : '';
    const body = `See [the next stage](./${path.posix.basename(fileOf((n + 1) % STAGES))}).\n\n${STAGE_SECTIONS}`;
    files[fileOf(n)] = stage({ id: idOf(n), order: n, extra, body });
  }
  return files;
}

async function validate(root: string, cached: boolean) {
  const { config, hash } = await loadConfig(root);
  return validateRepository({ root, config, configHash: hash, toolVersion: 'test', source: workingTreeSource(root, config), cacheDir: cached ? cacheDirOf(root) : undefined, buildModel: 'on-demand' });
}

const settle = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('validate after editing a few of many documents', () => {
  it('reuses the other findings when the edit changed nothing the cross-file rules read, and validates in full otherwise, always finding what a run without a cache finds', async () => {
    const repo = makeRepo(tree());
    await validate(repo, true);
    settle();
    const edit = (n: number, change: (text: string) => string) => {
      const file = path.join(repo, fileOf(n));
      const before = readFileSync(file, 'utf8');
      const after = change(before);
      expect(after).not.toBe(before);
      writeFileSync(file, after);
      return () => writeFileSync(file, before);
    };
    /** Validates with the cache, says whether the facts cache was opened (a full run), and compares with a run without a cache. */
    const check = async () => {
      const opened = vi.spyOn(FactsCache, 'open');
      const cached = await validate(repo, true);
      const full = opened.mock.calls.length > 0;
      opened.mockRestore();
      expect(cached.diagnostics).toEqual((await validate(repo, false)).diagnostics);
      return { full, rules: cached.diagnostics.map((diagnostic) => `${diagnostic.file}:${diagnostic.line} ${diagnostic.ruleId}`) };
    };

    // The edits that reuse the findings are all of one file: a delta file of 121 entries holds one
    // (a second edited file validates in full and rewrites the facts cache, engine/facts-cache.ts).
    const cases: Array<{ what: string; n: number; change: (text: string) => string; full: boolean; finds: string[] }> = [
      // Read by no cross-file rule: the estimate, the owner, the body's text around the links.
      { what: 'estimate', n: 7, change: (text) => text.replace('estimate: 2', 'estimate: 3'), full: false, finds: [] },
      { what: 'estimate over the limit (a document rule)', n: 7, change: (text) => text.replace('estimate: 2', 'estimate: 99'), full: false, finds: [`${fileOf(7)}:9 stage-size`] },
      { what: 'owner', n: 7, change: (text) => text.replace('alice@example.com', 'bob@example.com'), full: false, finds: [] },
      { what: 'a section emptied (a document rule)', n: 7, change: (text) => text.replace('Revert the merge commit.', ''), full: false, finds: [`${fileOf(7)}:31 empty-section`] },
      // Read by cross-file rules: references, order, links and their places, schema validity.
      { what: 'a dependency on a missing stage', n: 10, change: (text) => text.replace(`depends_on: [${idOf(9)}]`, 'depends_on: [P1-S999]'), full: true, finds: [`${fileOf(10)}:13 unknown-reference`] },
      { what: 'an order', n: 11, change: (text) => text.replace('order: 11', 'order: 1100'), full: true, finds: [] },
      { what: 'a link to a missing file', n: 12, change: (text) => text.replace('013-s.md', 'missing.md'), full: true, finds: [`${fileOf(12)}:17 broken-link`] },
      { what: 'a line above the link', n: 13, change: (text) => text.replace('\nSee [', '\n\nSee ['), full: true, finds: [] },
      { what: 'a status outside the schema', n: 14, change: (text) => text.replace('status: not-started', 'status: finished'), full: true, finds: [`${fileOf(14)}:7 frontmatter-schema`] },
      { what: 'a member added that a rule reads when present', n: 15, change: (text) => text.replace('estimate: 2', 'estimate: 2\ndecision: DEC-missing'), full: true, finds: [`${fileOf(15)}:10 unknown-reference`] },
    ];
    for (const { what, n, change, full, finds } of cases) {
      const restore = edit(n, change);
      const edited = await check();
      expect(edited, what).toEqual({ full, rules: expect.arrayContaining(finds) });
      expect(edited.rules.length, what).toBe(finds.length);
      restore();
      expect((await check()).rules, `${what}, undone`).toEqual([]);
    }
    // Settled again, nothing changed: the findings are reused as they are.
    settle();
    expect(await check()).toEqual({ full: false, rules: [] });
  }, 120_000);

  it('builds the model of a run that reused the findings from the facts it kept for the edited document', async () => {
    const repo = makeRepo(tree());
    await validate(repo, true);
    settle();
    const file = path.join(repo, fileOf(7));
    writeFileSync(file, readFileSync(file, 'utf8').replace('estimate: 2', 'estimate: 4'));
    const { config, hash } = await loadConfig(repo);
    const opened = vi.spyOn(FactsCache, 'open');
    const result = await validateRepository({ root: repo, config, configHash: hash, toolVersion: 'test', source: workingTreeSource(repo, config), cacheDir: cacheDirOf(repo) });
    // Once: the model, from the facts file and the delta file (not a full run, which opens it first too).
    expect(opened.mock.calls.length).toBe(1);
    expect(result.diagnostics).toEqual([]);
    expect(result.model.stages.find((typed) => typed.data.id === idOf(7))?.data.estimate).toBe(4);
    expect(result.model.stages).toHaveLength(STAGES);
  }, 60_000);

  it("keeps the findings over a new HEAD whose history answers every commit the rules asked about as before", async () => {
    const repo = makeRepo(tree());
    const { config, hash } = await loadConfig(repo);
    const registry = { file: 'gate_results/registry.csv', ok: true, problems: [], unfinished: [], unreadable: [], outOfOrder: false, rowCount: 0 };
    const withHead = (commits: string[]) => validateRepository({ root: repo, config, configHash: hash, toolVersion: 'test', source: workingTreeSource(repo, config), cacheDir: cacheDirOf(repo), buildModel: 'on-demand', evidence: { runs: [], registry, fingerprint: 'no runs', history: new Set(commits), historyKey: commits[0]! } });
    await withHead(['c1']);
    settle();
    const opened = vi.spyOn(FactsCache, 'open');
    // A commit on top: no run asks about any commit, so nothing the findings depend on changed.
    expect((await withHead(['c2', 'c1'])).diagnostics).toEqual([]);
    expect(opened).not.toHaveBeenCalled();
    // Without a history (outside git) the history rules cannot be judged: another key, a full run.
    await validateRepository({ root: repo, config, configHash: hash, toolVersion: 'test', source: workingTreeSource(repo, config), cacheDir: cacheDirOf(repo), buildModel: 'on-demand', evidence: { runs: [], registry, fingerprint: 'no runs' } });
    expect(opened).toHaveBeenCalled();
  }, 60_000);
});
