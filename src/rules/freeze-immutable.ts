import type { RuleMeta } from './types.js';

/** Findings come from git history (src/git/record-integrity.ts); see `precomputedRule`. */
export const freezeImmutable: RuleMeta = {
  id: 'freeze-immutable',
  description: 'A committed freeze file is never changed or deleted by a later commit.',
  defaultSeverity: 'error',
};
