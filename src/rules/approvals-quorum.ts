import { normalizeEmail } from '../model/approvals.js';
import { placeOf } from '../model/documents.js';
import { documentRule } from './types.js';

/**
 * A quorum that `from` cannot fill: `min` distinct approvers out of fewer people listed would block
 * sign-off forever, and the stage would look merely unapproved. Emails that differ only in case are
 * one approver (model/approvals.ts counts them so).
 */
export const approvalsQuorum = documentRule(
  {
    id: 'approvals-quorum',
    description: 'The `approvals.min` of a stage or phase must be reachable: at most the number of distinct people in `approvals.from` (emails compared case-insensitively).',
    defaultSeverity: 'error',
    kinds: ['stage', 'phase'],
  },
  (doc, context) => {
    const approvals = (doc.data as { approvals?: unknown } | undefined)?.approvals;
    if (typeof approvals !== 'object' || approvals === null) return;
    const { min, from } = approvals as { min?: unknown; from?: unknown };
    if (typeof min !== 'number' || !Array.isArray(from) || !from.every((entry) => typeof entry === 'string')) return;
    const people = new Set((from as string[]).map(normalizeEmail));
    if (min <= people.size) return;
    context.report({
      ...placeOf(doc, '/approvals/min'),
      message: `\`approvals.min\` is ${min} but \`approvals.from\` lists ${people.size} distinct approver${people.size === 1 ? '' : 's'}: the quorum can never be met, expected \`min\` at most ${people.size}`,
      hint: `Lower \`min\` to ${people.size}, or add the missing approvers' emails to \`from\` (or drop \`from\` so that anyone may approve).`,
    });
  },
);
