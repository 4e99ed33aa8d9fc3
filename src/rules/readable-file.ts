import type { ParseRule } from './types.js';

/** Reported by the parser: binary, oversized, non-UTF-8 or pathologically nested files. */
export const readableFile: ParseRule = {
  scope: 'parse',
  meta: {
    id: 'readable-file',
    description: 'A document must be UTF-8 text, within the size limit, and not nested pathologically deep.',
    defaultSeverity: 'error',
  },
};
