import { placeOf } from '../model/documents.js';
import { findSection } from '../model/sections.js';
import { documentRule } from './types.js';

/** What `stagedocs new-decision --rerun-of` writes under Root cause until its author replaces it. */
export const ROOT_CAUSE_PLACEHOLDER = 'TODO: why the gate run failed, what this attempt changes, and why that fixes it.'; // stagedocs-allow-stub: the scaffold's text that this rule rejects

/** Markers that say the section was not written yet. */
const UNFINISHED = /\b(TODO|TBD|FIXME|XXX)\b/; // stagedocs-allow-stub: the markers this rule looks for

export const rerunRootCause = documentRule(
  {
    id: 'rerun-root-cause',
    description: 'A decision note that starts a rerun after a failed gate (`rerun_of`) must explain the failure in a filled-in `Root cause` section.',
    defaultSeverity: 'error',
    kinds: ['decision'],
  },
  (doc, context) => {
    const rerunOf = doc.data?.rerun_of;
    if (typeof rerunOf !== 'string' || rerunOf === '') return;
    const section = findSection(doc, 'Root cause');
    if (!section) {
      const title = doc.sections.find((s) => s.depth === 1);
      context.report({
        ...(title ? { line: title.line, column: title.column } : placeOf(doc, '/rerun_of', 'key')),
        message: `Decision note reruns \`${rerunOf}\` but has no \`Root cause\` section`,
        hint: 'Add a `## Root cause` section: why the gate run failed, what this attempt changes, and why that fixes it.',
      });
      return;
    }
    // Markers quoted in code spans (`TODO`) are text, not unfinished work. // stagedocs-allow-stub
    const lines = section.text.split('\n').map((line) => line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length)));
    const index = section.empty ? -1 : lines.findIndex((line) => UNFINISHED.test(line));
    const placeholder = section.text.includes(ROOT_CAUSE_PLACEHOLDER);
    if (!section.empty && index === -1 && !placeholder) return;
    const marker = index >= 0 ? UNFINISHED.exec(lines[index]!)?.[0] : undefined;
    context.report({
      line: index >= 0 ? section.contentLine + index : section.line,
      column: index >= 0 ? lines[index]!.search(UNFINISHED) + 1 : section.column,
      message: section.empty
        ? 'Section `Root cause` is empty, expected why the failed gate run failed'
        : `Section \`Root cause\` still holds ${marker ? `\`${marker}\`` : 'the scaffold text'}, expected why the failed gate run failed`,
      hint: `Replace it with the cause of the failure of \`${rerunOf}\`, what this attempt changes, and why that fixes it.`,
    });
  },
);
