import { assessPhase, assessStage, type AssessmentContext } from '../audit/assess.js';
import { approverEmail, tagSigner } from '../git/approvals.js';
import type { Env } from '../git/exec.js';
import { assertFullHistory, headCommit } from '../git/repository.js';
import { createAnnotatedTag, deleteTag } from '../git/tags.js';
import { approvalMessage, approvalsJson, approvalTagName, inertComment, normalizeEmail, type ApprovalKind, type ApprovalsJson, type ApprovalsSpec, type ApprovalTally } from '../model/approvals.js';
import { StagedocsError, UsageError } from '../model/errors.js';
import { assertValidId } from '../model/ids.js';
import { phaseById, stageById } from '../model/repository.js';
import { loadAssessment } from './assess.js';
import { locate, type RootInput } from './root.js';

export interface ApproveRequest {
  root: RootInput;
  /** The environment git runs with: its committer identity (user.email, GIT_COMMITTER_EMAIL) is the approver. */
  env: Env;
  /** A stage or phase id. */
  id: string;
  /** A note for the reviewer, kept in the tag message as one inert line. */
  comment?: string | undefined;
}

/** What `stagedocs approve --format json` prints. */
export interface ApproveOutcome {
  kind: ApprovalKind;
  id: string;
  /** The approval was recorded (its tag created and verified). */
  approved: boolean;
  /** Why it was refused; empty when approved. */
  reasons: string[];
  /** The approval tag (created, or the one it would have been). */
  tag: string;
  /** HEAD's commit: what is approved. */
  commit: string;
  approver: string;
  /** The approvals after this one, as status and sign-off count them. */
  approvals: ApprovalsJson | null;
}

/**
 * Records one approval of a stage or phase: an annotated tag on HEAD whose tagger is the approver (git's
 * committer identity) and whose message names the id and the commit (model/approvals.ts). Refused, with
 * every reason, when the id declares no `approvals`, the approver is not in `approvals.from`, they already
 * approved this commit, the working tree is not clean, the id is already signed off, or it has no passing
 * gate run that counts (a reviewer approves evidence: a stage's newest counting run, a phase's exit gates'
 * run when it has exit gates). Throws `UsageError` for an unknown id or a repository without commits.
 */
export async function approve(request: ApproveRequest): Promise<ApproveOutcome> {
  assertValidId(request.id, 'stage or phase id', { example: 'P1-S03' });
  const located = await locate(request.root, request.env, 'required');
  const { root } = located;
  const head = await headCommit(root, request.env);
  if (!head) throw new UsageError('This repository has no commits yet; there is nothing to approve', 'Commit the stage, its evidence and its documents first.');
  // "At or after the passing run" is judged on the history: all of it.
  await assertFullHistory(root, request.env);
  const [loaded, approver] = await Promise.all([loadAssessment({ root: located, env: request.env }), approverEmail(root, request.env)]);
  const { context } = loaded;
  const subject = subjectOf(context, request.id);
  const tag = approvalTagName(request.id, head, approver);
  const base = { kind: subject.kind, id: request.id, tag, commit: head, approver };
  const reasons = refusals(context, subject, approver, tag);
  if (reasons.length > 0) return { ...base, approved: false, reasons, approvals: subject.tally ? approvalsJson(subject.tally) : null };

  const comment = request.comment === undefined ? null : inertComment(request.comment) || null;
  const created = await createAnnotatedTag(root, tag, head, approvalMessage({ kind: subject.kind, id: request.id, commit: head, comment }), request.env, { sign: subject.signed }).catch((error: unknown) => {
    // The one failure a user fixes here: git has no key to sign with.
    if (!subject.signed || !(error instanceof StagedocsError)) throw error;
    throw new UsageError(`${subject.kind} ${request.id} requires signed approvals and git could not sign the tag: ${error.message}`, SIGNING_HINT);
  });
  if (subject.signed && !hasSignature(created.message)) {
    // git 2.39 can report success and write an unsigned tag when its signing program fails: that tag is not the approval asked for.
    await deleteTag(root, tag, request.env);
    throw new UsageError(`${subject.kind} ${request.id} requires signed approvals and git wrote the tag without a signature`, SIGNING_HINT);
  }
  const signer = subject.signed ? await tagSigner(root, request.env, tag) : undefined;
  // The new tag joins the context; HEAD is at or after every commit in its own history.
  const facts = context.approvals!.facts;
  const history = context.trust.history;
  const after: AssessmentContext = {
    ...context,
    approvals: {
      tags: [...(context.approvals?.tags ?? []), created],
      facts: {
        inHistory: facts.inHistory,
        atOrAfter: (commit, ancestor) => (commit === head ? commit === ancestor || history?.has(ancestor) === true : facts.atOrAfter(commit, ancestor)),
        signer: (name) => (name === tag ? signer : facts.signer(name)),
      },
    },
  };
  const tally = subjectOf(after, request.id).tally;
  return { ...base, approved: true, reasons: [], approvals: tally ? approvalsJson(tally) : null };
}

const SIGNING_HINT = 'Configure signing (`git config gpg.format ssh` and `git config user.signingkey ~/.ssh/id_ed25519.pub`, or a gpg key), then approve again.';

/** A signed tag's contents end with its signature block. */
function hasSignature(message: string): boolean {
  return /^-----BEGIN (?:PGP|SSH) SIGNATURE-----$/m.test(message);
}

interface Subject {
  kind: ApprovalKind;
  id: string;
  from: string[] | undefined;
  declared: boolean;
  /** `approvals.signed`: the approval tag is signed. */
  signed: boolean;
  signedOff: boolean;
  /** The passing counting run an approval would rest on, or why there is none (undefined: none is needed). */
  noEvidence: string | undefined;
  tally: ApprovalTally | undefined;
}

/** The stage or phase with this id, as the one assessment sees it. */
function subjectOf(context: AssessmentContext, id: string): Subject {
  const stage = stageById(context.model, id);
  if (stage) {
    const assessment = assessStage(context, stage);
    const noEvidence = assessment.passingRun ? undefined : `stage ${id} has no passing gate run that counts (run \`stagedocs gate run ${id}\` and commit the evidence): a reviewer approves the evidence of a passing run`;
    return subject('stage', id, stage.data.approvals, assessment, noEvidence);
  }
  const phase = phaseById(context.model, id);
  if (phase) {
    const assessment = assessPhase(context, phase);
    const noEvidence =
      assessment.exit.runs && !assessment.exit.passingRun ? `the exit gates of phase ${id} have no passing run that counts (run \`stagedocs gate run ${id}\`): a reviewer approves the evidence of a passing run` : undefined;
    return subject('phase', id, phase.data.approvals, assessment, noEvidence);
  }
  throw new UsageError(`No stage or phase with id \`${id}\` in this repository`, 'Check the id with `stagedocs status`; documents with schema errors are not counted (run `stagedocs validate`).');
}

function subject(kind: ApprovalKind, id: string, spec: ApprovalsSpec | undefined, assessment: { signOffTag: unknown; approvals: ApprovalTally | undefined }, noEvidence: string | undefined): Subject {
  return { kind, id, from: spec?.from, declared: spec !== undefined, signed: spec?.signed === true, signedOff: assessment.signOffTag !== undefined, noEvidence, tally: assessment.approvals };
}

/** Every reason this approval may not be recorded now. */
function refusals(context: AssessmentContext, subject: Subject, approver: string, tag: string): string[] {
  const reasons: string[] = [];
  if (!subject.declared) reasons.push(`${subject.kind} ${subject.id} declares no \`approvals\`, so no approval would count; add \`approvals: { min: 1 }\` (or more) to its document first`);
  if (subject.from && !subject.from.some((email) => normalizeEmail(email) === normalizeEmail(approver))) {
    reasons.push(`${approver} is not in approvals.from (${subject.from.join(', ')}); approve under an email listed there, or ask one of them`);
  }
  if (context.approvals?.tags.some((existing) => existing.name === tag)) reasons.push(`${approver} already approved this commit (tag ${tag} exists); an approval is recorded once per approver and commit`);
  const changed = context.worktree?.uncommitted ?? [];
  if (changed.length > 0) reasons.push(`the working tree is not clean (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}): an approval is of HEAD as committed; commit or restore them`);
  if (subject.signedOff) reasons.push('it is already signed off: an approval now would change nothing');
  if (subject.noEvidence) reasons.push(subject.noEvidence);
  return reasons;
}
