import type { Command } from 'commander';
import { loadAssessment } from '../../api/assess.js';
import type { Env } from '../../git/exec.js';
import { assertFullHistory, headCommit } from '../../git/repository.js';
import { alreadySignedOff, phaseTagMessage, stageTagMessage, type QualifyingRun, type Reasons } from '../../git/sign-off.js';
import { createAnnotatedTag, signOffTagName, type TagInfo } from '../../git/tags.js';
import { assessPhase, assessStage, type AssessmentContext, type PhaseAssessment } from '../../audit/assess.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../../model/errors.js';
import { assertValidId } from '../../model/ids.js';
import { phaseById, stageById, stagesOfPhase, type RepositoryModel } from '../../model/repository.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption } from '../options.js';

interface SignOffFlags {
  format: 'pretty' | 'json';
  phase?: boolean;
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Checks that the stage may close (it is done, its newest counting gate run passed: of its current gates, on a clean tree at a commit in HEAD\'s history, with its evidence committed and a matching registry row; validation passes; the tree is clean), then tags HEAD with an annotated tag carrying the run id and report hash. Given a phase id, signs off the phase by its contract (docs/phases.md): every stage signed off, its entry met, its exit files present, a passing counting run of its exit gates, a filled-in Gaps section with the structured exit; a phase whose readiness disallows production is signed off as not for production. Exit 1 lists every reason it may not close.',
    )
    .argument('<id>', 'the stage id (or a phase id)')
    .option('--phase', 'when this is the last stage of its phase to be signed off, sign off the phase too')
    .addOption(formatOption(['pretty', 'json'] as const, 'pretty'))
    .addHelpText('after', examples('stagedocs sign-off P1-S03', 'stagedocs sign-off P1-S10 --phase', 'stagedocs sign-off P1', 'stagedocs sign-off P1-S03 --format json'))
    .action(async (id: string, flags: SignOffFlags, command: Command) => {
      context.setExitCode(await signOffAction(id, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

/** One sign-off's outcome, as printed (pretty) or emitted (json). */
interface Outcome {
  kind: 'stage' | 'phase';
  id: string;
  tag: string;
  signed: boolean;
  reasons: Reasons;
  commit?: string;
  run_id?: string;
  report_sha256?: string;
  /** The phase's readiness disallows production: signed off, but not for production. */
  not_for_production?: boolean;
}

async function signOffAction(id: string, flags: SignOffFlags, io: CliIo): Promise<number> {
  assertValidId(id, 'stage or phase id', { example: 'P1-S03' });
  const located = await commandRoot(io, flags.cwd, 'required');
  const { root } = located;
  const head = await headCommit(root, io.env);
  if (!head) throw new UsageError('This repository has no commits yet; there is nothing to sign off', 'Commit the stage, its evidence and its documents first.');
  // Ancestry and history checks need the whole history.
  await assertFullHistory(root, io.env);

  // The verdict every command reports (audit/assess.ts), read as every command reads it: validation
  // as `validate` runs it, the work tree's changes, the tags (api/assess.ts loadAssessment).
  const loaded = await loadAssessment({ root: located, env: io.env });
  const { model, config } = loaded.repository;
  // The tags this run creates join the context: the phase's assessment after a stage's sign-off sees it.
  const context: SignOffContext = { ...loaded.context, tags: new Map(loaded.context.tags) };
  const base = { head };
  const outcomes: Outcome[] = [];
  const stage = stageById(model, id);
  if (stage) {
    const tag = signOffTagName(config, 'stage', id);
    const assessment = assessStage(context, stage);
    const all = [...alreadySignedOff(tag, assessment.signOffTag), ...assessment.signOffNeeds.map((need) => `${need.reason}; ${need.fix}`)];
    const run = assessment.passingRun;
    if (all.length > 0 || !run || run.folder.reportSha256 === undefined) {
      outcomes.push({ kind: 'stage', id, tag, signed: false, reasons: all.length > 0 ? all : [`no passing gate run of ${id} counts; run \`stagedocs gate run ${id}\``] });
    } else {
      const qualifying: QualifyingRun = { report: run.report, reportPath: `${run.folder.dir}/report.json`, reportSha256: run.folder.reportSha256 };
      const created = await createAnnotatedTag(root, tag, head, stageTagMessage(stage.data, qualifying, assessment.approvals), io.env);
      context.tags.set(tag, created);
      outcomes.push({ kind: 'stage', id, tag, signed: true, reasons: [], commit: head, run_id: run.report.run_id, report_sha256: qualifying.reportSha256 });
      const phase = phaseReadiness(model, context, stage.data.phase);
      if (phase.reasons.length === 0 && (flags.phase || (await confirmPhase(io, flags, stage.data.phase)))) outcomes.push(await signOffPhase(root, model, context, stage.data.phase, base, io.env));
      else if (phase.reasons.length === 0) outcomes.push({ kind: 'phase', id: stage.data.phase, tag: phase.tag, signed: false, reasons: [] });
      else if (flags.phase) outcomes.push({ kind: 'phase', id: stage.data.phase, tag: phase.tag, signed: false, reasons: phase.reasons });
    }
  } else if (model.phases.some((candidate) => candidate.data.id === id)) {
    outcomes.push(await signOffPhase(root, model, context, id, base, io.env));
  } else {
    throw new UsageError(`No stage or phase with id \`${id}\` in this repository`, 'Check the id with `stagedocs status`; documents with schema errors are not counted (run `stagedocs validate`).');
  }

  if (flags.format === 'json') io.stdout.write(`${JSON.stringify({ outcomes }, null, 2)}\n`);
  else io.stdout.write(outcomes.map(describe).join(''));
  return outcomes.some((outcome) => !outcome.signed && outcome.reasons.length > 0) ? EXIT_FAILED : EXIT_OK;
}

/** The assessment's context with the tags as a map this run adds to. */
type SignOffContext = AssessmentContext & { tags: Map<string, TagInfo> };

/** On a terminal (pretty output, no --phase), asks whether to sign off the phase now. */
async function confirmPhase(io: CliIo, flags: SignOffFlags, phaseId: string): Promise<boolean> {
  if (flags.format !== 'pretty' || !io.stdinIsTTY || !io.ask) return false;
  const answer = await io.ask(`Every stage of phase ${phaseId} is signed off. Sign off the phase now? [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}

/** Whether the phase may close, by the one assessment (audit/assess.ts): its tag name and what it still needs. */
function phaseReadiness(model: RepositoryModel, context: AssessmentContext, phaseId: string): { tag: string; reasons: Reasons; assessment: PhaseAssessment | undefined } {
  const phase = phaseById(model, phaseId);
  if (!phase) {
    // A stage whose phase document is missing (or invalid): the phase cannot be judged, nor closed.
    return { tag: signOffTagName(model.config, 'phase', phaseId), reasons: [`phase ${phaseId} has no valid phase document; run \`stagedocs validate\``], assessment: undefined };
  }
  const assessment = assessPhase(context, phase);
  return { tag: assessment.tag, reasons: assessment.signOffNeeds.map((need) => `${need.reason}; ${need.fix}`), assessment };
}

async function signOffPhase(root: string, model: RepositoryModel, context: SignOffContext, phaseId: string, base: { head: string }, env: Env): Promise<Outcome> {
  const { tag, reasons: readiness, assessment } = phaseReadiness(model, context, phaseId);
  const reasons = [...alreadySignedOff(tag, context.tags.get(tag)), ...readiness];
  const notForProduction = assessment !== undefined && !assessment.forProduction;
  if (reasons.length > 0 || !assessment) return { kind: 'phase', id: phaseId, tag, signed: false, reasons, ...(notForProduction ? { not_for_production: true } : {}) };
  const stageTags: TagInfo[] = stagesOfPhase(model, phaseId).map((stage) => context.tags.get(signOffTagName(model.config, 'stage', stage.data.id))!);
  const exitRun = assessment.exit.passingRun;
  await createAnnotatedTag(
    root,
    tag,
    base.head,
    phaseTagMessage(phaseId, stageTags, {
      exitRun: exitRun && exitRun.folder.reportSha256 !== undefined ? { report: exitRun.report, reportPath: `${exitRun.folder.dir}/report.json`, reportSha256: exitRun.folder.reportSha256 } : undefined,
      notForProduction,
      approvals: assessment.approvals,
    }),
    env,
  );
  return {
    kind: 'phase',
    id: phaseId,
    tag,
    signed: true,
    reasons: [],
    commit: base.head,
    ...(exitRun ? { run_id: exitRun.report.run_id, report_sha256: exitRun.folder.reportSha256 } : {}),
    ...(notForProduction ? { not_for_production: true } : {}),
  };
}

function describe(outcome: Outcome): string {
  if (outcome.signed) {
    const evidence = outcome.run_id ? ` (run ${outcome.run_id}, report sha256 ${outcome.report_sha256})` : '';
    const production = outcome.not_for_production ? `  Not for production: the phase's readiness disallows it (production_gate: disallowed).\n` : '';
    return `Signed off ${outcome.kind} ${outcome.id}: annotated tag ${outcome.tag} on ${outcome.commit!.slice(0, 12)}${evidence}.\n${production}  Share it: git push origin refs/tags/${outcome.tag}\n`;
  }
  if (outcome.reasons.length === 0) {
    return `Every stage of phase ${outcome.id} is signed off. Sign off the phase: stagedocs sign-off ${outcome.id}\n`;
  }
  return `${outcome.kind === 'stage' ? 'Stage' : 'Phase'} ${outcome.id} may not close:\n${outcome.reasons.map((reason) => `  - ${reason}\n`).join('')}`;
}
