/** GitHub's limit for a comment body, the default size of a pack. */
export const DEFAULT_MAX_CHARS = 65_536;
/** Below this, not even the header and the list of what was left out fit. */
export const MIN_MAX_CHARS = 2_000;
