import { brokenLink } from './broken-link.js';
import { dependencyCycle } from './dependency-cycle.js';
import { emptySection } from './empty-section.js';
import { frontmatterSchema } from './frontmatter-schema.js';
import { frontmatterSyntax } from './frontmatter-syntax.js';
import { linearProgression } from './linear-progression.js';
import { noStubsWhenDone } from './no-stubs-when-done.js';
import { objectiveGate } from './objective-gate.js';
import { readableFile } from './readable-file.js';
import { requiredSections } from './required-sections.js';
import { rerunRootCause } from './rerun-root-cause.js';
import { stageSize } from './stage-size.js';
import type { Rule } from './types.js';
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
  dependencyCycle,
  linearProgression,
  objectiveGate,
  noStubsWhenDone,
  brokenLink,
  stageSize,
  rerunRootCause,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.meta.id === id);
}
