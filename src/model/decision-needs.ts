import type { DecisionFrontmatter, StageFrontmatter } from './documents.js';
import { decisionByTag, decisionsNamingStage, type RepositoryModel, type Typed } from './repository.js';

/**
 * A decision a stage needs settled before it may be `done`: `requires_decision: accepted` (its
 * `decision:` names an accepted note) or `decisions_resolved` (the named notes, or with `all` every
 * note whose `stages` names the stage, are no longer `proposed`).
 */
export interface DecisionNeed {
  /** The stage key the need comes from, where a diagnostic points. */
  key: 'requires_decision' | 'decisions_resolved' | 'decision';
  /** The decision tag; undefined when the stage names none. */
  tag: string | undefined;
  /** The note's status now; undefined when there is no such note. */
  status: DecisionFrontmatter['status'] | undefined;
  /** The note's file, when it exists. */
  file: string | undefined;
  /** What is expected of it. */
  expected: 'accepted' | 'resolved';
}

/** The decisions a stage still waits on, sorted by tag; empty when it declares no such need or all are met. */
export function unmetDecisions(model: RepositoryModel, stage: StageFrontmatter): DecisionNeed[] {
  const needs: DecisionNeed[] = [];
  const byTag = (tag: string) => decisionByTag(model, tag);
  if (stage.requires_decision === 'accepted') {
    const note = stage.decision === undefined ? undefined : byTag(stage.decision);
    if (!note || note.data.status !== 'accepted') {
      needs.push({ key: stage.decision === undefined ? 'requires_decision' : 'decision', tag: stage.decision, status: note?.data.status, file: note?.doc.file, expected: 'accepted' });
    }
  }
  const resolved = stage.decisions_resolved;
  if (resolved !== undefined) {
    const named: Array<Typed<DecisionFrontmatter> | string> =
      resolved === 'all' ? [...decisionsNamingStage(model, stage.id)] : resolved.map((tag) => byTag(tag) ?? tag);
    const already = new Set(needs.map((need) => need.tag));
    for (const entry of named) {
      // A note already found not accepted is reported once.
      if (already.has(typeof entry === 'string' ? entry : entry.data.decision_tag)) continue;
      // An unknown tag is unknown-reference's finding; here it only counts as not resolved.
      if (typeof entry === 'string') needs.push({ key: 'decisions_resolved', tag: entry, status: undefined, file: undefined, expected: 'resolved' });
      else if (entry.data.status === 'proposed') needs.push({ key: 'decisions_resolved', tag: entry.data.decision_tag, status: 'proposed', file: entry.doc.file, expected: 'resolved' });
    }
  }
  return needs.sort((a, b) => ((a.tag ?? '') < (b.tag ?? '') ? -1 : (a.tag ?? '') > (b.tag ?? '') ? 1 : 0));
}

/** One need in words: which note, how it stands, and what is expected. */
export function describeDecisionNeed(need: DecisionNeed): string {
  if (need.tag === undefined) return 'it names no decision note (`decision:`), expected an accepted one (`requires_decision: accepted`)';
  if (need.status === undefined) return `decision \`${need.tag}\` does not exist, expected it ${need.expected}`;
  const expected = need.expected === 'accepted' ? '`accepted`' : 'resolved (`accepted`, `rejected` or `superseded`)';
  return `decision \`${need.tag}\` (${need.file}) is \`${need.status}\`, expected ${expected}`;
}
