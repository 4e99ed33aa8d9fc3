import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/model/config.js';
import type { ParsedDocument } from '../../src/model/documents.js';
import { buildModel, decisionByTag, decisionsNamingStage, freezeAt, freezesOfStage, phaseById, stageById, type RepositoryModel } from '../../src/model/repository.js';
import { parseDocumentText } from '../../src/parse/document.js';
import { freezeDrift } from '../../src/rules/freeze-drift.js';
import type { Finding } from '../../src/model/diagnostic.js';
import { decision, phase, stage } from '../helpers/documents.js';

async function modelOf(files: Record<string, string>): Promise<RepositoryModel> {
  const config = defaultConfig();
  const documents: ParsedDocument[] = [];
  for (const [file, text] of Object.entries(files)) documents.push((await parseDocumentText(file, text, { maxBytes: config.limits.max_file_bytes })).doc);
  return buildModel(config, documents, () => true, () => true);
}

const freeze = (stageId: string, inputs: Record<string, string>) => `${JSON.stringify({ stage: stageId, frozen_at: '2026-11-21T10:00:00Z', decision_tag: 'D-2026-11-21-scope', inputs })}\n`;

describe('the model lookups', () => {
  it('find the first document by file for an id, tag or stage, as the scans they replace did', async () => {
    const model = await modelOf({
      'stages/p1/phase.md': phase(),
      'stages/p2/phase.md': phase({ id: 'P2' }),
      'stages/p1/01-b.md': stage({ id: 'P1-S01', order: 1 }),
      // The same id twice (unique-id's finding): the first by file wins, as `find` over the sorted list did.
      'stages/p1/00-a.md': stage({ id: 'P1-S01', order: 0 }),
      'stages/p1/02-c.md': stage({ id: 'P1-S02', order: 2 }),
      'decisions/b.md': decision({ tag: 'D-2026-11-21-b', extra: 'stages: [P1-S02, P1-S01, P1-S02]\n' }),
      'decisions/a.md': decision({ tag: 'D-2026-11-21-a', extra: 'stages: [P1-S02]\n' }),
      'freeze/P1-S01.freeze.json': freeze('P1-S01', { 'config/a.yaml': 'a'.repeat(64) }),
      'freeze/archive/P1-S01.freeze.json': freeze('P1-S01', { 'config/b.yaml': 'b'.repeat(64) }),
    });
    expect(stageById(model, 'P1-S01')?.doc.file).toBe('stages/p1/00-a.md');
    expect(stageById(model, 'P1-S09')).toBeUndefined();
    expect(phaseById(model, 'P2')?.doc.file).toBe('stages/p2/phase.md');
    expect(decisionByTag(model, 'D-2026-11-21-b')?.doc.file).toBe('decisions/b.md');
    // A note that names a stage twice is listed once.
    expect(decisionsNamingStage(model, 'P1-S02').map((note) => note.doc.file)).toEqual(['decisions/a.md', 'decisions/b.md']);
    expect(decisionsNamingStage(model, 'P1-S00')).toEqual([]);
    expect(freezesOfStage(model, 'P1-S01').map((entry) => entry.doc.file)).toEqual(['freeze/P1-S01.freeze.json', 'freeze/archive/P1-S01.freeze.json']);
    expect(freezeAt(model, 'freeze/archive/P1-S01.freeze.json')?.data.inputs).toEqual({ 'config/b.yaml': 'b'.repeat(64) });
    for (const [id, expected] of model.stages.map((entry) => [entry.data.id, model.stages.find((other) => other.data.id === entry.data.id)] as const)) {
      expect(stageById(model, id)).toBe(expected);
    }
  });

  it('follow a model list that a caller changed in place', async () => {
    const model = await modelOf({ 'stages/p1/phase.md': phase(), 'stages/p1/00-a.md': stage({ id: 'P1-S00' }) });
    expect(stageById(model, 'P1-S05')).toBeUndefined();
    const added = (await modelOf({ 'stages/p1/phase.md': phase(), 'stages/p1/05-f.md': stage({ id: 'P1-S05', order: 5 }) })).stages[0]!;
    model.stages.push(added);
    expect(stageById(model, 'P1-S05')).toBe(added);
  });
});

describe('freeze-drift and the model', () => {
  /** A model that fails the test when the rule reads any of it. */
  const untouchable = new Proxy({} as RepositoryModel, {
    get: (_target, property) => {
      throw new Error(`the rule read model.${String(property)}`);
    },
  });
  const run = (rule: ReturnType<typeof freezeDrift>, model: RepositoryModel): Finding[] => {
    const found: Finding[] = [];
    rule.check(model, { config: defaultConfig(), options: {}, report: (finding) => found.push(finding) });
    return found;
  };

  it('leaves the model alone when the caller found no frozen input drifted and no commit changed one', () => {
    expect(run(freezeDrift({ current: new Map([['config/a.yaml', 'a'.repeat(64)]]), drifted: false, commits: [] }), untouchable)).toEqual([]);
  });

  it('reads the model when the caller found drift, or does not say', async () => {
    const model = await modelOf({ 'freeze/P1-S01.freeze.json': freeze('P1-S01', { 'config/a.yaml': 'a'.repeat(64) }) });
    const current = new Map([['config/a.yaml', 'c'.repeat(64)]]);
    expect(() => run(freezeDrift({ current, drifted: true, commits: [] }), untouchable)).toThrow('the rule read model.freezes');
    for (const drifted of [true, undefined]) {
      expect(run(freezeDrift({ current, ...(drifted === undefined ? {} : { drifted }), commits: [] }), model)).toEqual([
        expect.objectContaining({ file: 'freeze/P1-S01.freeze.json', message: expect.stringContaining('Frozen input `config/a.yaml` differs from its freeze') }),
      ]);
    }
  });
});
