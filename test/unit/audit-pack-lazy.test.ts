import { defaultConfig } from '../../src/model/config.js';
import { describe, expect, it } from 'vitest';
import { AUDIT_PACK_FORMAT, buildAuditPack, type PackInput, type StagePack } from '../../src/audit/pack.js';
import { renderAuditPack } from '../../src/audit/render.js';
import { buildModel } from '../../src/model/repository.js';
import type { CommitChanges } from '../../src/git/history.js';
import type { ParsedDocument } from '../../src/model/documents.js';
import { parseDocumentText } from '../../src/parse/document.js';
import { decision, phase, stage, STAGE_SECTIONS } from '../helpers/documents.js';
import { PROJECT_ROOT } from '../helpers/repo.js';

const STAGES = 400;

/**
 * A phase of many stages, each added by its own commit, and a decision note naming the first stage.
 * Every read of a document's sections and every file-existence check is recorded.
 */
async function packInput(): Promise<{ input: PackInput; sectionReads: string[]; existsChecks: string[]; registryReads: number[] }> {
  const config = defaultConfig();
  const sectionReads: string[] = [];
  const existsChecks: string[] = [];
  const registryReads: number[] = [];
  const files: Record<string, string> = { 'stages/p1/phase.md': phase(), 'decisions/first.md': decision({ extra: 'stages: [P1-S000]\n' }) };
  for (let order = 0; order < STAGES; order++) {
    const id = `P1-S${String(order).padStart(3, '0')}`;
    files[`stages/p1/${id}.md`] = stage({ id, order, status: 'in-progress', body: `${STAGE_SECTIONS}\n## Open Questions\n- Which one, ${id}?\n` });
  }
  const documents: ParsedDocument[] = [];
  for (const [file, text] of Object.entries(files)) {
    const { doc } = await parseDocumentText(file, text, { maxBytes: config.limits.max_file_bytes });
    const sections = doc.sections;
    Object.defineProperty(doc, 'sections', { enumerable: true, get: () => (sectionReads.push(file), sections) });
    documents.push(doc);
  }
  const model = buildModel(config, documents, () => true, () => true);
  expect(model.stages).toHaveLength(STAGES);
  const commits: CommitChanges[] = Object.keys(files).map((file, index) => {
    const sha = index.toString(16).padStart(40, '0');
    return { sha, shortSha: sha.slice(0, 7), parents: [], subject: `Add ${file}`, date: '2026-11-21T10:00:00+00:00', changes: [{ status: 'A', path: file, oldBlob: '0'.repeat(40), newBlob: 'a'.repeat(40) }] };
  });
  const input: PackInput = {
    assessment: { model, runs: [], tags: new Map(), errorsByFile: new Map(), trust: { registry: undefined, history: undefined } },
    registry: () => (registryReads.push(1), []),
    commits: commits.reverse(),
    range: { base: undefined, baseSha: undefined, head: 'HEAD', headSha: 'c'.repeat(40) },
    stageIds: undefined,
    generatedAt: '2026-11-21T12:00:00Z',
    generatedFrom: 'head-commit',
    toolVersion: '0.1.0',
    linkBase: '',
    exists: (file) => (existsChecks.push(file), true),
  };
  return { input, sectionReads, existsChecks, registryReads };
}

describe('buildAuditPack builds a stage in full only when it is read', () => {
  it('reads no document section, registry row or file for stages left out of a size-limited pack', async () => {
    const { input, sectionReads, existsChecks, registryReads } = await packInput();
    const pack = buildAuditPack(input);
    expect(pack.format).toBe(AUDIT_PACK_FORMAT);
    expect(pack.stages).toHaveLength(STAGES);
    expect(sectionReads).toEqual([]);

    // However small or roomy the limit, only the first stages in the pack's order are built in full:
    // the summary table of the 400 stages needs none of their details.
    for (const maxChars of [20_000, 60_000]) {
      const markdown = renderAuditPack(pack, { root: PROJECT_ROOT, templatesDir: 'templates', maxChars });
      expect(markdown.length).toBeLessThanOrEqual(maxChars);
      const shown = pack.stages.filter((entry) => markdown.includes(`<summary><b>${entry.id}</b>`)).map((entry) => entry.file);
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.length).toBeLessThan(STAGES / 4);
      const read = new Set(sectionReads.filter((file) => file.startsWith('stages/')));
      for (const file of shown) expect(read.has(file)).toBe(true);
      expect(read.size).toBeLessThan(STAGES / 4);
      expect([...read].every((file) => pack.stages.slice(0, read.size).some((entry) => entry.file === file))).toBe(true);
    }
    expect(existsChecks).toEqual([]);
    // The registry rows are read once, for the stages shown, never once per stage.
    expect(registryReads.length).toBeLessThanOrEqual(1);
  });

  it('gives --format json every field of every stage, in the declared order, as if built at once', async () => {
    const { input } = await packInput();
    const json = JSON.parse(JSON.stringify(buildAuditPack(input))) as { stages: StagePack[] };
    const first = json.stages.find((entry) => entry.id === 'P1-S000')!;
    expect(Object.keys(first)).toEqual(['id', 'title', 'file', 'phase', 'phase_title', 'status', 'state', 'owner', 'position', 'changes', 'decisions', 'sections', 'evidence', 'traceability', 'outcome', 'approvals', 'last_run', 'change_count']);
    expect(first.sections).toEqual({ impact: null, rollback: 'Revert the merge commit.', open_questions: '- Which one, P1-S000?' });
    expect(first.decisions.map((entry) => entry.file)).toEqual(['decisions/first.md']);
    expect(first.position).toBe(`stage 1 of ${STAGES} in P1`);
    expect(json.stages.every((entry) => entry.sections.open_questions === `- Which one, ${entry.id}?`)).toBe(true);
    // A second read gives the same objects: each stage is built once.
    const pack = buildAuditPack(input);
    expect(pack.stages[0]!.sections).toBe(pack.stages[0]!.sections);
  });
});
