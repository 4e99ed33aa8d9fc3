import { approvalsQuorum } from './approvals-quorum.js';
import { brokenLink } from './broken-link.js';
import { contractReference } from './contract-reference.js';
import { dependencyCycle } from './dependency-cycle.js';
import { doneNeedsPassingRun } from './done-needs-passing-run.js';
import { duplicateOrder } from './duplicate-order.js';
import { emptySection } from './empty-section.js';
import { freezeRequired } from './freeze-required.js';
import { decisionUnresolved } from './decision-unresolved.js';
import { frontmatterSchema } from './frontmatter-schema.js';
import { frontmatterSyntax } from './frontmatter-syntax.js';
import { linearProgression } from './linear-progression.js';
import { noStubsWhenDone } from './no-stubs-when-done.js';
import { objectiveGate } from './objective-gate.js';
import { pathInsideRepository } from './path-inside-repository.js';
import { phaseEntry } from './phase-entry.js';
import { readableFile } from './readable-file.js';
import { requiredSections } from './required-sections.js';
import { rerunRootCause } from './rerun-root-cause.js';
import { stageSize } from './stage-size.js';
import { evidenceImmutable } from './evidence-immutable.js';
import { freezeImmutable } from './freeze-immutable.js';
import { protectedPathMeta } from './protected-path.js';
import { freezeDriftMeta } from './freeze-drift.js';
import { registryAppendOnly } from './registry-append-only.js';
import { registryConsistent } from './registry-consistent.js';
import type { Rule, RuleMeta } from './types.js';
import { uniqueId } from './unique-id.js';
import { unknownReference } from './unknown-reference.js';

/** The explicit registry of rules. A rule's id equals its file name and its docs page `docs/rules/<id>.md`. */
export const RULES: readonly Rule[] = [
  readableFile,
  frontmatterSyntax,
  frontmatterSchema,
  requiredSections,
  emptySection,
  uniqueId,
  unknownReference,
  contractReference,
  dependencyCycle,
  linearProgression,
  phaseEntry,
  duplicateOrder,
  objectiveGate,
  noStubsWhenDone,
  brokenLink,
  pathInsideRepository,
  stageSize,
  doneNeedsPassingRun,
  registryConsistent,
  freezeRequired,
  rerunRootCause,
  decisionUnresolved,
  approvalsQuorum,
];

/**
 * Rules fed by git rather than by the documents (history and the index): src/git reads git once and
 * passes them to the engine as `extraRules`. Listed here so that docs and meta-tests see every rule id.
 */
export const GIT_FED_RULES: readonly RuleMeta[] = [freezeImmutable, evidenceImmutable, registryAppendOnly, protectedPathMeta, freezeDriftMeta];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.meta.id === id);
}
