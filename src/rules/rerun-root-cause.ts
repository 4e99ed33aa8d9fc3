import { placeOf, type Section } from '../model/documents.js';
import { findSection } from '../model/sections.js';
import { documentRule } from './types.js';

/** What `stagedocs new-decision --rerun-of` writes under Root cause until its author replaces it. */
export const ROOT_CAUSE_PLACEHOLDER = 'TODO: why the gate run failed, what this attempt changes, and why that fixes it.'; // stagedocs-allow-stub: the scaffold's text that this rule rejects

/** Markers that say the section was not written yet. */
const UNFINISHED = /\b(TODO|TBD|FIXME|XXX)\b/; // stagedocs-allow-stub: the markers this rule looks for

/**
 * Where a filled-in `Root cause` section still holds unfinished text: a marker (outside code spans) or
 * the scaffold's placeholder. Undefined when it is written. Shared with the rerun policy of `gate run`.
 */
export function unfinishedRootCause(section: Section): { line: number; column: number; marker: string | undefined } | undefined {
  // Markers quoted in code spans (`TODO`) are text, not unfinished work. // stagedocs-allow-stub
  const lines = section.text.split('\n').map((line) => line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length)));
  const index = lines.findIndex((line) => UNFINISHED.test(line));
  if (index >= 0) return { line: section.contentLine + index, column: lines[index]!.search(UNFINISHED) + 1, marker: UNFINISHED.exec(lines[index]!)?.[0] };
  if (section.text.includes(ROOT_CAUSE_PLACEHOLDER)) return { line: section.line, column: section.column, marker: undefined };
  return undefined;
}

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
    const unfinished = section.empty ? undefined : unfinishedRootCause(section);
    if (!section.empty && !unfinished) return;
    const marker = unfinished?.marker;
    context.report({
      line: unfinished?.line ?? section.line,
      column: unfinished?.column ?? section.column,
      message: section.empty
        ? 'Section `Root cause` is empty, expected why the failed gate run failed'
        : `Section \`Root cause\` still holds ${marker ? `\`${marker}\`` : 'the scaffold text'}, expected why the failed gate run failed`,
      hint: `Replace it with the cause of the failure of \`${rerunOf}\`, what this attempt changes, and why that fixes it.`,
    });
  },
);
