import { findSection, requiredSectionsOf } from '../model/sections.js';
import { documentRule } from './types.js';

export const requiredSections = documentRule(
  {
    id: 'required-sections',
    description: "A document must have every section its kind requires (`kinds.<kind>.required_sections` in the configuration).",
    defaultSeverity: 'error',
    kinds: ['phase', 'stage', 'decision'],
  },
  (doc, context) => {
    const title = doc.sections.find((section) => section.depth === 1);
    // Without a title, the first line after the frontmatter; a file that ends with its closing `---` has none.
    const at = title ? { line: title.line, column: title.column } : { line: Math.min(doc.bodyStartLine, doc.lineCount), column: 1 };
    for (const name of requiredSectionsOf(doc.kind, context.config.kinds)) {
      if (findSection(doc, name)) continue;
      context.report({
        ...at,
        message: `Missing required section \`${name}\``,
        hint: `Add a \`## ${name}\` heading with its content.`,
      });
    }
  },
);
