import { loadConfig } from '../../src/engine/config.js';
import { describe, expect, it } from 'vitest';
import { workingTreeSource } from '../../src/engine/source.js';
import { validateRepository } from '../../src/engine/validate.js';
import type { ParsedDocument } from '../../src/model/documents.js';
import { validTree } from '../helpers/documents.js';
import { makeRepo } from '../helpers/repo.js';
import { cacheDirOf } from '../../src/util/cache-location.js';

async function validate(root: string) {
  const { config, hash } = await loadConfig(root);
  return validateRepository({ root, config, configHash: hash, toolVersion: 'test', source: workingTreeSource(root, config), cacheDir: cacheDirOf(root) });
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
});
