import type { RuleMeta } from './types.js';

/** Findings come from git history (src/git/record-integrity.ts); see `precomputedRule`. */
export const evidenceImmutable: RuleMeta = {
  id: 'evidence-immutable',
  description: 'A committed file of a gate run folder is never changed or deleted by a later commit.',
  defaultSeverity: 'error',
};
