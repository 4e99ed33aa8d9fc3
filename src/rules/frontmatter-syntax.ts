import type { ParseRule } from './types.js';

/** Reported by the parser: YAML errors, unclosed or misplaced `---` fences, missing frontmatter, invalid JSON. */
export const frontmatterSyntax: ParseRule = {
  scope: 'parse',
  meta: {
    id: 'frontmatter-syntax',
    description: 'Frontmatter (or a freeze file) must be readable: YAML without errors between `---` fences on line 1, or valid JSON.',
    defaultSeverity: 'error',
  },
};
