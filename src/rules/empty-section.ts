import { findSection, requiredSectionsOf } from '../model/sections.js';
import { documentRule } from './types.js';

export const emptySection = documentRule(
  {
    id: 'empty-section',
    description: 'A required section must have content; HTML comments and white space do not count.',
    defaultSeverity: 'error',
    kinds: ['phase', 'stage', 'decision'],
  },
  (doc, context) => {
    for (const name of requiredSectionsOf(doc.kind, context.config.kinds)) {
      const section = findSection(doc, name);
      if (!section || !section.empty) continue;
      context.report({
        line: section.line,
        column: section.column,
        message: `Section \`${section.title}\` is empty, expected content`,
        hint: `Write what belongs under \`${section.title}\`, or \`None.\` with the reason.`,
      });
    }
  },
);
