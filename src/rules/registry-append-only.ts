import type { RuleMeta } from './types.js';

/** Findings come from git history (src/git/record-integrity.ts); see `precomputedRule`. */
export const registryAppendOnly: RuleMeta = {
  id: 'registry-append-only',
  description: 'The gate registry only grows: every row of an earlier version is still present in a later one.',
  defaultSeverity: 'error',
};
