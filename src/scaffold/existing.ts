import { type Config } from '../model/config.js';
import path from 'node:path';
import { kindFromPath, workingTreeSource } from '../engine/source.js';
import { compareStrings } from '../model/diagnostic.js';
import { parseDocumentBytes } from '../parse/document.js';

interface ExistingPhase {
  id: string;
  file: string;
  /** The folder of the phase under the stages folder. */
  folder: string;
}

export interface ExistingStage {
  id: string;
  phase: string | undefined;
  order: number | undefined;
  /** Its `depends_on` as written; undefined when it relies on the default (the previous stage). */
  dependsOn: string[] | undefined;
  file: string;
}

/** What scaffolding must not collide with: the ids already in the repository, and where they live. */
export interface ExistingDocuments {
  phases: ExistingPhase[];
  stages: ExistingStage[];
  decisionTags: Set<string>;
}

/**
 * Reads the ids of the repository's documents. Tolerant: a document whose frontmatter is broken still
 * occupies its file name, and whatever ids it declares still count as taken.
 */
export async function readExisting(root: string, config: Config): Promise<ExistingDocuments> {
  const source = workingTreeSource(root, config);
  const files = await source.list();
  const existing: ExistingDocuments = { phases: [], stages: [], decisionTags: new Set() };
  for (const file of files) {
    const { doc } = await parseDocumentBytes(file, await source.read(file), { kindHint: kindFromPath(file, config), maxBytes: config.limits.max_file_bytes });
    const data = doc.data ?? {};
    if (doc.kind === 'phase' && typeof data.id === 'string') {
      existing.phases.push({ id: data.id, file, folder: path.posix.dirname(file) });
    } else if (doc.kind === 'stage' && typeof data.id === 'string') {
      existing.stages.push({
        id: data.id,
        phase: typeof data.phase === 'string' ? data.phase : undefined,
        order: typeof data.order === 'number' ? data.order : undefined,
        dependsOn: Array.isArray(data.depends_on) ? data.depends_on.filter((entry): entry is string => typeof entry === 'string') : undefined,
        file,
      });
    } else if (doc.kind === 'decision' && typeof data.decision_tag === 'string') {
      existing.decisionTags.add(data.decision_tag);
    }
  }
  existing.phases.sort((a, b) => compareStrings(a.id, b.id));
  return existing;
}

/** `P1`, `P2`, ...: one more than the highest phase id of that form. */
export function nextPhaseId(existing: ExistingDocuments): string {
  const numbers = existing.phases.map((phase) => /^P(\d+)$/.exec(phase.id)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  return `P${Math.max(0, ...numbers) + 1}`;
}

/** Every id in use by a phase or a stage (they share one namespace for `unique-id`). */
export function takenIds(existing: ExistingDocuments): Set<string> {
  return new Set([...existing.phases.map((p) => p.id), ...existing.stages.map((s) => s.id)]);
}

/** Where the next stage of a phase goes: one after its highest order, depending on the stage there. */
export function nextStagePosition(existing: ExistingDocuments, phaseId: string): { order: number; dependsOn: string[]; siblings: ExistingStage[] } {
  const siblings = existing.stages
    .filter((stage) => stage.phase === phaseId)
    .sort((a, b) => (a.order ?? -1) - (b.order ?? -1) || compareStrings(a.id, b.id));
  const last = siblings[siblings.length - 1];
  return { order: last ? (last.order ?? siblings.length - 1) + 1 : 0, dependsOn: last ? [last.id] : [], siblings };
}
