import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/engine/config.js';
import { loadRepository } from '../../src/engine/load-repository.js';
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
});
