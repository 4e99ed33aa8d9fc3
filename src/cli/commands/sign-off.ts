import type { Command } from 'commander';
import { loadConfig } from '../../engine/config.js';
import { loadRepository } from '../../engine/load-repository.js';
import { readRuns } from '../../evidence/read.js';
import type { Env } from '../../git/exec.js';
import { historyRules } from '../../git/history-validation.js';
import { assertFullHistory, headCommit } from '../../git/repository.js';
import { commonReasons, phaseTagMessage, qualifyingRun, stageTagMessage, type Reasons, type SignOffFacts } from '../../git/sign-off.js';
import { createAnnotatedTag, readTag, readTags, signOffTagName, type TagInfo } from '../../git/tags.js';
import { uncommittedChanges } from '../../git/worktree-status.js';
import type { Config } from '../../model/config.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../../model/errors.js';
import { assertValidId } from '../../model/ids.js';
import { stagesOfPhase, type RepositoryModel } from '../../model/repository.js';
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
      'Checks that the stage may close (its blocking gates passed in a run whose commit is in HEAD\'s history, validation passes, the tree is clean), then tags HEAD with an annotated tag carrying the run id and report hash. Given a phase id, signs off the phase once all its stages are signed off. Exit 1 lists every reason it may not close.',
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
}

async function signOffAction(id: string, flags: SignOffFlags, io: CliIo): Promise<number> {
  assertValidId(id, 'stage or phase id', { example: 'P1-S03' });
  const { root, prefix } = await commandRoot(io, flags.cwd, 'required');
  const { config, hash } = await loadConfig(root);
  const head = await headCommit(root, io.env);
  if (!head) throw new UsageError('This repository has no commits yet; there is nothing to sign off', 'Commit the stage, its evidence and its documents first.');
  // Ancestry and history checks need the whole history.
  await assertFullHistory(root, io.env);

  // Read before validation runs: validation may write its cache, which is tool state, not work.
  const uncommitted = (await uncommittedChanges(root, io.env, prefix)).filter((file) => !file.startsWith('.stagedocs/'));
  const history = await historyRules(root, config, io.env, undefined);
  const { validation, model } = await loadRepository(root, { config: { config, hash }, extraRules: history.rules });
  const base = {
    head,
    uncommitted,
    validationErrors: validation.diagnostics.filter((diagnostic) => diagnostic.severity === 'error'),
  };

  const outcomes: Outcome[] = [];
  const stage = model.stages.find((candidate) => candidate.data.id === id);
  if (stage) {
    const tag = signOffTagName(config, 'stage', id);
    const facts: SignOffFacts = { ...base, existingTag: await readTag(root, tag, io.env) };
    const { run, reasons } = await qualifyingRun(root, stage, await readRuns(root, config.paths.gate_results), head, io.env);
    const all = [...commonReasons(tag, facts), ...reasons];
    if (all.length > 0 || !run) {
      outcomes.push({ kind: 'stage', id, tag, signed: false, reasons: all });
    } else {
      await createAnnotatedTag(root, tag, head, stageTagMessage(stage.data, run), io.env);
      outcomes.push({ kind: 'stage', id, tag, signed: true, reasons: [], commit: head, run_id: run.report.run_id, report_sha256: run.reportSha256 });
      const phase = await phaseReadiness(root, config, model, stage.data.phase, io.env);
      if (phase.ready && (flags.phase || (await confirmPhase(io, flags, stage.data.phase)))) outcomes.push(await signOffPhase(root, config, model, stage.data.phase, base, io.env));
      else if (phase.ready) outcomes.push({ kind: 'phase', id: stage.data.phase, tag: phase.tag, signed: false, reasons: [] });
    }
  } else if (model.phases.some((candidate) => candidate.data.id === id)) {
    outcomes.push(await signOffPhase(root, config, model, id, base, io.env));
  } else {
    throw new UsageError(`No stage or phase with id \`${id}\` in this repository`, 'Check the id with `stagedocs status`; documents with schema errors are not counted (run `stagedocs validate`).');
  }

  if (flags.format === 'json') io.stdout.write(`${JSON.stringify({ outcomes }, null, 2)}\n`);
  else io.stdout.write(outcomes.map(describe).join(''));
  return outcomes.some((outcome) => !outcome.signed && outcome.reasons.length > 0) ? EXIT_FAILED : EXIT_OK;
}

/** On a terminal (pretty output, no --phase), asks whether to sign off the phase now. */
async function confirmPhase(io: CliIo, flags: SignOffFlags, phaseId: string): Promise<boolean> {
  if (flags.format !== 'pretty' || !io.stdinIsTTY || !io.ask) return false;
  const answer = await io.ask(`Every stage of phase ${phaseId} is signed off. Sign off the phase now? [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}

/** Whether every stage of a phase now has its sign-off tag and the phase has none yet. */
async function phaseReadiness(root: string, config: Config, model: RepositoryModel, phaseId: string, env: Env): Promise<{ ready: boolean; tag: string }> {
  const tag = signOffTagName(config, 'phase', phaseId);
  const stages = stagesOfPhase(model, phaseId);
  const stageTags = await readTags(root, stages.map((stage) => signOffTagName(config, 'stage', stage.data.id)), env);
  return { ready: stages.length > 0 && stageTags.length === stages.length && !(await readTag(root, tag, env)), tag };
}

async function signOffPhase(root: string, config: Config, model: RepositoryModel, phaseId: string, base: Omit<SignOffFacts, 'existingTag'>, env: Env): Promise<Outcome> {
  const tag = signOffTagName(config, 'phase', phaseId);
  const stages = stagesOfPhase(model, phaseId);
  const stageTagNames = stages.map((stage) => signOffTagName(config, 'stage', stage.data.id));
  const stageTags: TagInfo[] = await readTags(root, stageTagNames, env);
  const reasons = commonReasons(tag, { ...base, existingTag: await readTag(root, tag, env) });
  const missing = stages.filter((stage) => !stageTags.some((found) => found.name === signOffTagName(config, 'stage', stage.data.id)));
  if (stages.length === 0) reasons.push(`phase ${phaseId} has no stages`);
  if (missing.length > 0) reasons.push(`not every stage is signed off: ${missing.map((stage) => stage.data.id).join(', ')} (run \`stagedocs sign-off <stage-id>\` for each)`);
  if (reasons.length > 0) return { kind: 'phase', id: phaseId, tag, signed: false, reasons };
  await createAnnotatedTag(root, tag, base.head, phaseTagMessage(phaseId, stageTags), env);
  return { kind: 'phase', id: phaseId, tag, signed: true, reasons: [], commit: base.head };
}

function describe(outcome: Outcome): string {
  if (outcome.signed) {
    const evidence = outcome.run_id ? ` (run ${outcome.run_id}, report sha256 ${outcome.report_sha256})` : '';
    return `Signed off ${outcome.kind} ${outcome.id}: annotated tag ${outcome.tag} on ${outcome.commit!.slice(0, 12)}${evidence}.\n  Share it: git push origin refs/tags/${outcome.tag}\n`;
  }
  if (outcome.reasons.length === 0) {
    return `Every stage of phase ${outcome.id} is signed off. Sign off the phase: stagedocs sign-off ${outcome.id}\n`;
  }
  return `${outcome.kind === 'stage' ? 'Stage' : 'Phase'} ${outcome.id} may not close:\n${outcome.reasons.map((reason) => `  - ${reason}\n`).join('')}`;
}
