import { loadConfig } from '../../src/engine/config.js';
import { describe, expect, it } from 'vitest';
import { workingTreeSource } from '../../src/engine/source.js';
import { validateRepository } from '../../src/engine/validate.js';
import type { ParsedDocument } from '../../src/model/documents.js';
import { validTree } from '../helpers/documents.js';
import { makeRepo } from '../helpers/repo.js';
import { cacheDirOf } from '../../src/util/cache-location.js';
import { rmSync } from 'node:fs';
import { repositoryRule, type Rule } from '../../src/rules/types.js';
import { CacheChangedError } from '../../src/engine/lazy-model.js';

async function validate(root: string, options: { extraRules?: Rule[]; buildModel?: 'now' | 'on-demand' } = {}) {
  const { config, hash } = await loadConfig(root);
  return validateRepository({ root, config, configHash: hash, toolVersion: 'test', source: workingTreeSource(root, config), cacheDir: cacheDirOf(root), ...options });
}

/**
 * A git-fed rule that, once, removes the facts cache as a concurrent run that rewrites it would, after
 * this run verified it and before its model is built; `readsModel`: the rule then reads the model.
 */
function rewritesCache(root: string, readsModel: boolean): Rule {
  let done = false;
  return repositoryRule({ id: 'test-concurrent-writer', description: 'test', defaultSeverity: 'error' }, (repo, context) => {
    if (!done) {
      done = true;
      rmSync(cacheDirOf(root)!, { recursive: true, force: true });
    }
    if (readsModel) context.report({ file: repo.stages[0]!.doc.file, line: 1, column: 1, message: `${repo.stages.length} stages` });
  });
}

/**
 * Every value of a document, read by name: documents from the cache read their body, sections and
 * positions through getters, which a comparison of own properties would not see.
 */
function everyValue(doc: ParsedDocument): Required<ParsedDocument> {
  const { file, kind, data, positions, coerced, dataStart, sections, links, bodyStartLine, body, lineCount } = doc;
  return { file, kind, data, positions, coerced: coerced ?? {}, dataStart, sections, links, bodyStartLine, body, lineCount };
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
    expect(reused.model.documents.map(everyValue)).toEqual(full.model.documents.map(everyValue));
    expect(reused.model.documents[0]!.sections.length).toBeGreaterThan(0);
    expect(reused.model.exists('stages/mvp/phase.md')).toBe(true);
  });

  it('validates in full, never failing, when another process rewrote the facts cache after the findings were verified', async () => {
    const repo = makeRepo(validTree());
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    const full = await validate(repo);
    for (const [readsModel, buildModel] of [[true, 'on-demand'], [false, 'now'], [true, 'now']] as const) {
      await validate(repo);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
      await validate(repo);
      const rule = rewritesCache(repo, readsModel);
      const result = await validate(repo, { extraRules: [rule], buildModel });
      expect(result.diagnostics.filter((diagnostic) => diagnostic.ruleId !== 'test-concurrent-writer')).toEqual(full.diagnostics);
      expect(result.diagnostics.filter((diagnostic) => diagnostic.ruleId === 'test-concurrent-writer').map((diagnostic) => diagnostic.message)).toEqual(readsModel ? ['2 stages'] : []);
      expect(result.model.stages.map((stage) => stage.data.id)).toEqual(['P1-S00', 'P1-S01']);
    }
  }, 30_000);

  it('says the cache changed, with an exit code, when a caller reads the model on demand after it was rewritten', async () => {
    const repo = makeRepo(validTree());
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    await validate(repo);
    const reused = await validate(repo, { buildModel: 'on-demand' });
    rmSync(cacheDirOf(repo)!, { recursive: true, force: true });
    expect(() => reused.model).toThrow(CacheChangedError);
    expect(() => reused.model).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('rewritten by another stagedocs process') }));
  });
});
