import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { workingTreeSource } from '../../src/engine/source.js';
import { validateRepository } from '../../src/engine/validate.js';
import { validTree } from '../helpers/documents.js';
import { makeRepo } from '../helpers/repo.js';

async function validate(root: string) {
  const { config, hash } = await loadConfig(root);
  return validateRepository({ root, config, configHash: hash, toolVersion: 'test', source: workingTreeSource(root, config), useCache: true });
}

describe('validateRepository reusing the last run', () => {
  it('still gives the full repository model, built on first access', async () => {
    const repo = makeRepo(validTree());
    // Past the racy window, so that the second run reuses the first one's findings.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    const full = await validate(repo);
    const reused = await validate(repo);
    expect(reused.diagnostics).toEqual(full.diagnostics);
    expect(reused.documentCount).toBe(3);
    expect(reused.model.stages.map((stage) => stage.data.id)).toEqual(['P1-S00', 'P1-S01']);
    expect(reused.model.documents).toEqual(full.model.documents);
    expect(reused.model.exists('stages/mvp/phase.md')).toBe(true);
  });
});
