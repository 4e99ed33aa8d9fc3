import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { FactsCache } from '../../src/engine/facts-cache.js';
import { loadConfig } from '../../src/engine/config.js';
import { loadRepository } from '../../src/engine/load-repository.js';
import { documentRule, repositoryRule, type Rule } from '../../src/rules/types.js';
import { validTree } from '../helpers/documents.js';
import { runFolder, runReport } from '../helpers/evidence.js';
import { cacheFile, makeRepo } from '../helpers/repo.js';

/** A valid repository with one passing run of P1-S00 and no registry row for it. */
function repoWithUnlistedRun(): string {
  return makeRepo({ ...validTree(), ...runFolder(runReport({ stage: 'P1-S00', at: '20261121T100000Z', pass: true })) });
}

describe('loadRepository', () => {
  it('reads the configuration, the documents and their diagnostics, and no evidence by default', async () => {
    const root = makeRepo(validTree());
    const repository = await loadRepository(root, { cache: false });
    expect(repository.root).toBe(root);
    expect(repository.configHash).toBe((await loadConfig(root)).hash);
    expect(repository.model.stages.map((stage) => stage.data.id)).toEqual(['P1-S00', 'P1-S01']);
    expect(repository.validation.errorCount).toBe(0);
    expect(repository.validation.documentCount).toBe(3);
    expect(repository.evidence).toBeUndefined();
    // Without the cache nothing is written.
    expect(existsSync(cacheFile(root))).toBe(false);
  });

  it('gives the evidence rules the runs with `check`, and only returns them with `read`', async () => {
    const root = repoWithUnlistedRun();
    for (const cache of [false, true]) {
      const checked = await loadRepository(root, { evidence: 'check', cache });
      expect(checked.evidence.runs.map((run) => run.runId)).toEqual(['P1-S00_20261121T100000Z']);
      expect(checked.validation.diagnostics.map((diagnostic) => diagnostic.ruleId)).toContain('registry-consistent');

      const read = await loadRepository(root, { evidence: 'read', cache });
      expect(read.evidence.runs.map((run) => run.runId)).toEqual(['P1-S00_20261121T100000Z']);
      expect(read.validation.diagnostics).toEqual([]);
    }
  });

  it('uses the caches by default and gives the same repository from them', async () => {
    const root = repoWithUnlistedRun();
    const { config, hash } = await loadConfig(root);
    const first = await loadRepository(root, { config: { config, hash }, evidence: 'check' });
    expect(existsSync(cacheFile(root, 'validate-cache.json'))).toBe(true);
    expect(existsSync(cacheFile(root, 'evidence-cache.json'))).toBe(true);
    const again = await loadRepository(root, { evidence: 'check' });
    expect(again.validation.diagnostics).toEqual(first.validation.diagnostics);
    expect(again.model.documents.map((doc) => doc.file)).toEqual(first.model.documents.map((doc) => doc.file));
    expect(again.evidence.runs).toEqual(first.evidence.runs);
  });

  // `validate` hands over what git is still reading (the history rules, HEAD's history) as promises,
  // so that a run without a cache parses the documents meanwhile: the answer must not depend on it.
  describe('with the git inputs still being read', () => {
    const meta = (id: string) => ({ id, description: `test rule ${id}`, defaultSeverity: 'warn' as const });
    const perRepository = repositoryRule(meta('git-fed'), (repo, context) => context.report({ file: repo.stages[0]!.doc.file, line: 1, column: 1, message: `${repo.stages.length} stages` }));
    const perDocument = documentRule(meta('per-document'), (doc, context) => context.report({ line: 1, column: 1, message: `read ${doc.file}` }));
    const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 30));
    const answer = (repository: { validation: { diagnostics: unknown[] }; evidence: unknown }) => ({ diagnostics: repository.validation.diagnostics, evidence: repository.evidence });

    it('gives what the same inputs given as values give, with and without a cache', async () => {
      const root = repoWithUnlistedRun();
      // A history without the run's commit: the run does not count, which the evidence rules must see.
      const history = { commits: new Set(['0'.repeat(40)]), head: '0'.repeat(40) };
      for (const rules of [[perRepository], [perRepository, perDocument]] as Rule[][]) {
        for (const cache of [false, true]) {
          const given = await loadRepository(root, { evidence: 'check', cache, extraRules: rules, history });
          const promised = await loadRepository(root, { evidence: 'check', cache, extraRules: later(rules), history: later(history) });
          expect(answer(promised)).toEqual(answer(given));
          const ids = promised.validation.diagnostics.map((diagnostic) => diagnostic.ruleId);
          expect(ids).toContain('git-fed');
          expect(ids.includes('per-document')).toBe(rules.includes(perDocument));
        }
      }
    });

    it('parses meanwhile in a fresh clone (no cache folder yet), writes the caches, and the next load reuses them', async () => {
      // As git's rules do, it reads nothing of the model (a rule that does has the model built for it).
      const perRepository = repositoryRule(meta('git-fed'), (_repo, context) => context.report({ file: 'stages/mvp/phase.md', line: 1, column: 1, message: 'from git' }));
      const history = { commits: new Set(['0'.repeat(40)]), head: '0'.repeat(40) };
      const given = await loadRepository(repoWithUnlistedRun(), { evidence: 'check', cache: false, extraRules: [perRepository], history });
      const root = repoWithUnlistedRun();
      expect(existsSync(cacheFile(root))).toBe(false);
      // The documents are read (the facts cache opened) before git's inputs arrive.
      let arrived = false;
      const opened: boolean[] = [];
      const original = FactsCache.open.bind(FactsCache);
      const spy = vi.spyOn(FactsCache, 'open').mockImplementation((...args) => {
        opened.push(arrived);
        return original(...args);
      });
      const rules = later([perRepository]).then((value) => ((arrived = true), value));
      const first = await loadRepository(root, { evidence: 'check', extraRules: rules, history: later(history) });
      spy.mockRestore();
      expect(opened).toEqual([false]);
      // The evidence cache adds its fingerprint to the evidence: the findings and the runs are the answer.
      const findings = (repository: typeof given) => ({ diagnostics: repository.validation.diagnostics, runs: repository.evidence.runs });
      expect(findings(first)).toEqual(findings(given));
      expect(existsSync(cacheFile(root, 'validate-cache.json'))).toBe(true);
      expect(existsSync(cacheFile(root, 'validate-result.json'))).toBe(true);
      const open = vi.spyOn(FactsCache, 'open');
      const again = await loadRepository(root, { evidence: 'check', extraRules: later([perRepository]), history: later(history), buildModel: 'on-demand' });
      // The kept findings stand: the facts cache is not even opened.
      expect(open).not.toHaveBeenCalled();
      open.mockRestore();
      expect(findings(again)).toEqual(findings(given));
    });

    it('fails with the error of the git inputs, and leaves no promise unhandled', async () => {
      const root = makeRepo(validTree());
      const unhandled: unknown[] = [];
      const record = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', record);
      try {
        for (const cache of [false, true]) {
          const failing = new Promise<Rule[]>((_, reject) => setTimeout(() => reject(new Error('git failed')), 10));
          await expect(loadRepository(root, { evidence: 'check', cache, extraRules: failing, history: failing.then(() => undefined) })).rejects.toThrow('git failed');
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        process.off('unhandledRejection', record);
      }
      expect(unhandled).toEqual([]);
    });
  });
});

