/**
 * Ids of phases, stages, gates and decision tags reach file names, git refs and reports, so they are
 * held to a strict allowlist before anything else sees them: a letter first, then letters, digits,
 * `.`, `_` and `-`, at most 100 characters, and no `..` (which git refuses in ref names).
 */
export const ID_PATTERN = '^[A-Za-z](?!.*\\.\\.)[A-Za-z0-9._-]{0,99}$';
const ID_REGEXP = new RegExp(ID_PATTERN);

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_REGEXP.test(value) && !value.endsWith('.') && !value.endsWith('.lock');
}

/** Decision tags as scaffolded: `D-YYYY-MM-DD-NNN`. Any valid id is accepted as a tag. */
export const DECISION_TAG_EXAMPLE = 'D-2026-11-21-001';
