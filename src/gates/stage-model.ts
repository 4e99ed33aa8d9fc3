import { stageById, type RepositoryModel, type Typed } from '../model/repository.js';
import type { StageFrontmatter } from '../model/documents.js';
import { StagedocsError, UsageError, EXIT_FAILED } from '../model/errors.js';
import { assertValidId } from '../model/ids.js';

/** Checks a stage id given on the command line (exit 2 when it is not a valid id). */
export function assertStageId(stageId: string): void {
  assertValidId(stageId, 'stage id', { example: 'P1-S03' });
}

/**
 * The stage with this id: a usage error when no document declares it, a failure when the document
 * exists but its frontmatter is invalid (its gates cannot be trusted then).
 */
export function findStage(model: RepositoryModel, stageId: string): Typed<StageFrontmatter> {
  // Two documents claiming one id (two concurrent scaffolds, a copied file) are not a choice to make
  // quietly: which one's gates ran would decide the verdict.
  const claimants = model.documents.filter((doc) => doc.kind === 'stage' && doc.data?.id === stageId).map((doc) => doc.file).sort();
  if (claimants.length > 1) {
    throw new UsageError(
      `Stage id \`${stageId}\` is declared by ${claimants.length} documents: ${claimants.join(', ')}`,
      'Give each stage its own id (and renumber `order`), then run `stagedocs validate`; `unique-id` reports the same.',
    );
  }
  const stage = stageById(model, stageId);
  if (stage) return stage;
  const invalid = model.documents.find((doc) => doc.kind === 'stage' && doc.data?.id === stageId);
  if (invalid) {
    throw new StagedocsError(`Stage \`${stageId}\` (${invalid.file}) has invalid frontmatter`, EXIT_FAILED, `Run \`stagedocs validate ${invalid.file}\` and fix what it reports.`);
  }
  const known = model.stages.map((candidate) => candidate.data.id).slice(0, 8);
  throw new UsageError(`No stage has the id \`${stageId}\``, known.length > 0 ? `Known stages: ${known.join(', ')}${model.stages.length > 8 ? ', ...' : ''}.` : 'Create one with `stagedocs new-stage`.');
}
