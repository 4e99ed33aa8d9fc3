import { contentSha256 } from '../util/content-hash.js';
import { compareStrings } from './diagnostic.js';
import { readTagMessage, singleField } from './tag-message.js';

/**
 * Approvals: a quorum of distinct people who approved a stage's (or phase's) evidence before it may be
 * signed off. Each approval is an annotated git tag whose tagger is the approver; this module is the one
 * place that decides which of those tags count (`tallyApprovals`), and every command reads its result
 * through the assessment (audit/assess.ts). It is pure: git/approvals.ts reads the tags and the ancestry.
 */

/** `approvals:` of a stage or phase: how many distinct approvers, and who may approve (anyone when absent). */
export interface ApprovalsSpec {
  min: number;
  from?: string[];
  /** Only tags whose signature `git verify-tag` accepts count. */
  signed?: boolean;
}

export type ApprovalKind = 'stage' | 'phase';

/**
 * A tag as stagedocs reads it back from git (git/tags.ts `TagInfo`): sign-off and approval tags alike.
 * Declared here, below git, because the verdict judges approval tags by these fields.
 */
export interface TagRecord {
  name: string;
  /** The commit the tag points at. */
  commit: string;
  /** Tagger date, ISO 8601 (empty for a lightweight tag). */
  date: string;
  message: string;
  /** The tagger's email without the angle brackets (empty for a lightweight tag). */
  taggerEmail: string;
  /** An annotated tag object (a lightweight tag has no tagger: anyone's `git tag` makes one). */
  annotated: boolean;
}

/**
 * The folder of every approval tag. The name only makes approvals unique (one per id, commit and
 * approver): nothing in it is trusted, the tag object itself is verified.
 */
export const APPROVAL_TAG_PREFIX = 'stagedocs/approvals/';

/**
 * `stagedocs/approvals/<id>/<commit>/<approver key>`: the approver's email is not a safe ref name (`@`,
 * `+`, case), so it is the first 16 hex digits of the sha256 of the lowercased email. The same person
 * approving the same commit twice gets the same name, which is how `approve` refuses a repeat.
 */
export function approvalTagName(id: string, commit: string, approverEmail: string): string {
  return `${APPROVAL_TAG_PREFIX}${id}/${commit}/${approverKey(approverEmail)}`;
}

function approverKey(email: string): string {
  return contentSha256(Buffer.from(normalizeEmail(email), 'utf8')).slice(0, 16);
}

/** Distinct approvers are distinct emails, compared case-insensitively (git keeps what the user typed). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The approval tags filed under an id: `stagedocs/approvals/<id>/<commit>/<key>` exactly. */
export function approvalTagsOf<T extends TagRecord>(tags: readonly T[], id: string): T[] {
  const prefix = `${APPROVAL_TAG_PREFIX}${id}/`;
  return tags.filter((tag) => tag.name.startsWith(prefix) && tag.name.slice(prefix.length).split('/').length === 2);
}

/** Longest comment kept in a tag message: a note for the reviewer, not a document. */
const MAX_COMMENT = 500;

/**
 * A comment as it is stored and shown: one line, no control or bidi characters, at most 500 characters.
 * It stays text wherever it is shown (the audit pack escapes it, JSON quotes it).
 */
export function inertComment(comment: string): string {
  return comment
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_COMMENT);
}

/** What an approval tag's message says, once parsed. */
export interface ApprovalMessage {
  kind: ApprovalKind;
  id: string;
  commit: string;
  comment: string | null;
}

/** The message of an approval tag: what was approved, at which commit, and the approver's comment. */
export function approvalMessage(approval: ApprovalMessage): string {
  const comment = approval.comment === null ? '' : inertComment(approval.comment);
  return [`stagedocs approval of ${approval.kind} ${approval.id}`, '', `${approval.kind}: ${approval.id}`, `commit: ${approval.commit}`, ...(comment ? [`comment: ${comment}`] : []), ''].join('\n');
}

const HEADLINE = /^stagedocs approval of (stage|phase) (\S+)$/;

/** Reads an approval tag's message back; undefined when it is not in the format `approvalMessage` writes. */
export function parseApprovalMessage(message: string): ApprovalMessage | undefined {
  const read = readTagMessage(message);
  const headline = HEADLINE.exec(read?.headline ?? '');
  if (!read || !headline) return undefined;
  // A field given twice makes the message say two things: it says nothing.
  if (new Set(read.fields.map(([key]) => key)).size !== read.fields.length) return undefined;
  const kind = headline[1] as ApprovalKind;
  const commit = singleField(read, 'commit');
  if (singleField(read, kind) !== headline[2] || commit === undefined || !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(commit)) return undefined;
  return { kind, id: headline[2]!, commit, comment: singleField(read, 'comment') ?? null };
}

/** What the one verdict knows of git to judge approvals (gathered by git/approvals.ts and the run trust). */
export interface ApprovalFacts {
  /** Whether a commit is in HEAD's history; undefined when unknown. */
  inHistory(commit: string): boolean | undefined;
  /** Whether `commit` is `ancestor` or a descendant of it. */
  atOrAfter(commit: string, ancestor: string): boolean;
  /** Who signed the tag, when `git verify-tag` accepts its signature; asked only for `approvals.signed`. */
  signer(tag: string): string | undefined;
}

/**
 * The commit approvals must be at or after: the commit of the counting passing run the sign-off rests
 * on (`null` when there is none: nothing can be approved yet), or `undefined` for a subject without
 * runs (a phase without exit gates), whose approvals need only be in HEAD's history.
 */
export type ApprovalAnchor = string | null | undefined;

/** One approval tag as the verdict judged it. */
export interface JudgedApproval {
  tag: string;
  /** The tagger's email as git recorded it (empty for a lightweight tag). */
  approver: string;
  date: string;
  commit: string;
  comment: string | null;
  counts: boolean;
  /** Why it does not count; empty when it counts. */
  notCountedBecause: string[];
}

/** Where a stage's or phase's approvals stand: what sign-off, status, the audit pack and trace report. */
export interface ApprovalTally {
  min: number;
  /** Who may approve, as declared; null: anyone. */
  from: string[] | null;
  /** The distinct approvers whose approval counts, oldest first, as their tags spell them. */
  approvers: string[];
  /** Declared approvers (`from`) who have not approved; without `from`, empty. */
  missing: string[];
  /** How many more distinct approvals the quorum needs (0 when met). */
  needed: number;
  met: boolean;
  /** Every approval tag of the id, oldest first. */
  judged: JudgedApproval[];
  /** One line: `approvals: 1 of 2 (missing: b@example.com)`. */
  summary: string;
}

/**
 * The one count of approvals. A tag counts when it is annotated (it has a tagger), its tagger's email is
 * in `from` (when given), its message parses and names this kind and id and the very commit the tag
 * points at, that commit is in HEAD's history, and it is at or after the anchor (the counting passing
 * run: an approval of older work does not count for a newer run). Each approver counts once, by their
 * oldest counting approval.
 */
export function tallyApprovals(spec: ApprovalsSpec, kind: ApprovalKind, id: string, tags: readonly TagRecord[], anchor: ApprovalAnchor, facts: ApprovalFacts): ApprovalTally {
  const from = spec.from ?? null;
  const allowed = from ? new Set(from.map(normalizeEmail)) : undefined;
  const counted = new Map<string, string>();
  const ordered = approvalTagsOf(tags, id).sort((a, b) => compareStrings(a.date, b.date) || compareStrings(a.name, b.name));
  const judged = ordered.map((tag): JudgedApproval => {
    const reasons: string[] = [];
    const parsed = tag.annotated ? parseApprovalMessage(tag.message) : undefined;
    const email = normalizeEmail(tag.taggerEmail);
    if (!tag.annotated || email === '') reasons.push('it is a lightweight tag: it has no tagger, so nobody is known to have approved');
    else if (allowed && !allowed.has(email)) reasons.push(`its tagger ${tag.taggerEmail} is not in approvals.from`);
    if (tag.annotated && !parsed) reasons.push('its message is not an approval message (`stagedocs approve` writes one)');
    if (parsed && (parsed.kind !== kind || parsed.id !== id)) reasons.push(`its message approves ${parsed.kind} ${parsed.id}, not ${kind} ${id}`);
    if (parsed && parsed.commit !== tag.commit) reasons.push(`its message names commit ${parsed.commit.slice(0, 12)} but the tag points at ${tag.commit.slice(0, 12)}`);
    const signer = spec.signed === true && tag.annotated ? facts.signer(tag.name) : undefined;
    if (spec.signed === true && tag.annotated && signer === undefined) reasons.push('its signature does not verify (`approvals.signed: true`; `git verify-tag` says why)');
    else if (signer !== undefined && normalizeEmail(signer) !== email) reasons.push(`it is signed by ${signer}, not by its tagger ${tag.taggerEmail}`);
    if (facts.inHistory(tag.commit) === false) reasons.push(`commit ${tag.commit.slice(0, 12)} is not in HEAD's history`);
    else if (anchor === null) reasons.push(`${kind} ${id} has no passing gate run that counts: there is no evidence to approve`);
    else if (anchor !== undefined && !facts.atOrAfter(tag.commit, anchor)) reasons.push(`it approves commit ${tag.commit.slice(0, 12)}, older than the passing run's commit ${anchor.slice(0, 12)}`);
    if (reasons.length === 0 && counted.has(email)) reasons.push(`${tag.taggerEmail} already approved (tag ${counted.get(email)}): each approver counts once`);
    if (reasons.length === 0) counted.set(email, tag.name);
    return { tag: tag.name, approver: tag.taggerEmail, date: tag.date, commit: tag.commit, comment: parsed?.comment ?? null, counts: reasons.length === 0, notCountedBecause: reasons };
  });
  const approvers = judged.filter((approval) => approval.counts).map((approval) => approval.approver);
  const missing = from ? from.filter((email) => !counted.has(normalizeEmail(email))) : [];
  const needed = Math.max(0, spec.min - approvers.length);
  return { min: spec.min, from, approvers, missing, needed, met: needed === 0, judged, summary: summarize(spec.min, approvers, missing, needed) };
}

function summarize(min: number, approvers: readonly string[], missing: readonly string[], needed: number): string {
  const head = `approvals: ${approvers.length} of ${min}`;
  if (needed === 0) return `${head} (${approvers.join(', ')})`;
  if (missing.length === 0) return `${head} (missing: ${needed} more approver${needed === 1 ? '' : 's'})`;
  if (missing.length === needed) return `${head} (missing: ${missing.join(', ')})`;
  return `${head} (missing: ${needed} more of ${missing.join(', ')})`;
}

/** The approvals as status, the audit pack, trace and the MCP server print them (`--format json`). */
export interface ApprovalsJson {
  min: number;
  from: string[] | null;
  met: boolean;
  summary: string;
  approvers: string[];
  missing: string[];
  needed: number;
  approvals: Array<{ tag: string; approver: string; date: string; commit: string; comment: string | null; counts: boolean; not_counted_because?: string[] }>;
}

export function approvalsJson(tally: ApprovalTally): ApprovalsJson {
  return {
    min: tally.min,
    from: tally.from,
    met: tally.met,
    summary: tally.summary,
    approvers: tally.approvers,
    missing: tally.missing,
    needed: tally.needed,
    approvals: tally.judged.map((approval) => ({
      tag: approval.tag,
      approver: approval.approver,
      date: approval.date,
      commit: approval.commit,
      comment: approval.comment,
      counts: approval.counts,
      ...(approval.counts ? {} : { not_counted_because: approval.notCountedBecause }),
    })),
  };
}
