import { phaseExit, type PhaseFrontmatter } from '../model/documents.js';
import { findSection, GAPS_SECTION, normalizeSectionTitle, requiredSectionsOf, unfilledGaps } from '../model/sections.js';
import { documentRule } from './types.js';

export const requiredSections = documentRule(
  {
    id: 'required-sections',
    description:
      "A document must have every section its kind requires (`kinds.<kind>.required_sections` in the configuration), and a `done` phase with the structured `exit` a filled-in `Gaps` section.",
    defaultSeverity: 'error',
    kinds: ['phase', 'stage', 'decision'],
  },
  (doc, context) => {
    const title = doc.sections.find((section) => section.depth === 1);
    // Without a title, the first line after the frontmatter; a file that ends with its closing `---` has none.
    const at = title ? { line: title.line, column: title.column } : { line: Math.min(doc.bodyStartLine, doc.lineCount), column: 1 };
    const required = requiredSectionsOf(doc.kind, context.config.kinds);
    for (const name of required) {
      if (findSection(doc, name)) continue;
      context.report({
        ...at,
        message: `Missing required section \`${name}\``,
        hint: `Add a \`## ${name}\` heading with its content.`,
      });
    }
    // The phase sign-off needs the Gaps section of a structured exit; `done` is the status at which the
    // sign-off is due (it requires `done`), so an open phase may still leave it for later. When the
    // configuration requires Gaps of every phase, the findings above (and empty-section) already say it.
    if (doc.kind !== 'phase' || doc.data?.status !== 'done' || !phaseExit(doc.data as unknown as PhaseFrontmatter).structured) return;
    if (required.some((name) => normalizeSectionTitle(name) === normalizeSectionTitle(GAPS_SECTION))) return;
    const gaps = unfilledGaps(doc);
    if (!gaps) return;
    const fix = `Write under \`## ${GAPS_SECTION}\` what this phase leaves undone for the next one, or "None" said in a sentence; \`stagedocs sign-off\` of the phase needs it.`;
    context.report(
      gaps.section
        ? { line: gaps.section.line, column: gaps.section.column, message: `Section \`${gaps.section.title}\` of the \`done\` phase \`${String(doc.data.id)}\` is empty, expected what the phase leaves for the next one`, hint: fix }
        : { ...at, message: `Missing section \`${GAPS_SECTION}\` of the \`done\` phase \`${String(doc.data.id)}\`, expected what its structured \`exit\` leaves for the next phase`, hint: `Add a \`## ${GAPS_SECTION}\` heading. ${fix}` },
    );
  },
);
