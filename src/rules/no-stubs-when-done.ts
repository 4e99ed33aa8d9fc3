import { placeOf } from '../model/documents.js';
import { truncate } from '../util/text.js';
import { documentRule } from './types.js';

/** Markers of unfinished work. Text in code spans and fenced code is ignored: it may quote them. */
const STUB = /\b(TODO|TBD|FIXME|XXX)\b|\bnot implemented\b|\bplaceholders?\b|\blorem ipsum\b|<fill[ -]in>|\{\{[^}]*\}\}/gi; // stagedocs-allow-stub
/** The same markers without the global flag, to test a whole body at once (a global regex keeps state between tests). */
const ANY_STUB = new RegExp(STUB.source, 'i');

export const noStubsWhenDone = documentRule(
  {
    id: 'no-stubs-when-done',
    description: 'A stage marked done may not still hold TODO, TBD, FIXME, placeholders or "Not implemented".', // stagedocs-allow-stub
    defaultSeverity: 'error',
    kinds: ['stage'],
  },
  (doc, context) => {
    // Hiding code spans only removes matches, so a body without any match anywhere has none to report.
    if (doc.data?.status !== 'done' || !ANY_STUB.test(doc.body)) return;
    const statusAt = placeOf(doc, '/status');
    let inFence: string | undefined;
    doc.body.split('\n').forEach((line, index) => {
      const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence && (!inFence || (fence[0] === inFence[0] && fence.length >= inFence.length))) {
        inFence = inFence ? undefined : fence;
        return;
      }
      if (inFence) return;
      const visible = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
      for (const match of visible.matchAll(STUB)) {
        context.report({
          line: doc.bodyStartLine + index,
          column: (match.index ?? 0) + 1,
          message: `Stage is \`done\` but still holds \`${truncate(match[0])}\`, expected finished text`,
          hint: `Finish or remove it, or set \`status\` (line ${statusAt.line}) back to \`in-progress\`.`,
        });
      }
    });
  },
);
