import { loadRepository } from '../../engine/load-repository.js';
import { colorsFor } from '../../format/colors.js';
import { runsOfStage } from '../../model/evidence.js';
import type { SimpleGit } from 'simple-git';
import { readRuns } from '../../evidence/read.js';
import { checkRerunPolicy } from '../../gates/failure-policy.js';
import { verifyFreeze, type FreezeVerification } from '../../gates/freeze.js';
import { gitState } from '../../gates/git-info.js';
import { checkProgression } from '../../model/progression.js';
import { makeRedactor } from '../../gates/redact.js';
import { runStage } from '../../gates/run-stage.js';
import { assertStageId, findStage } from '../../gates/stage-model.js';
import { openGit } from '../../git/client.js';
import { requireGitRoot } from '../../git/repository.js';
import type { RepositoryModel, Typed } from '../../model/repository.js';
import { type GateSpec, type StageFrontmatter, freezePathOf } from '../../model/documents.js';
import { EXIT_FAILED, EXIT_OK, StagedocsError, UsageError } from '../../model/errors.js';
import { isValidId } from '../../model/ids.js';
import { TOOL_VERSION } from '../../util/version.js';
import type { GateRunFlags } from '../commands/gate.js';
import { workingDirectory } from '../context.js';
import { type CliIo } from '../io.js';
import { gateProgress } from '../progress.js';

export async function gateRunAction(stageId: string, flags: GateRunFlags, io: CliIo): Promise<number> {
  assertStageId(stageId);
  const cwd = workingDirectory(io, flags.cwd);
  const root = await requireGitRoot(cwd, io.env);
  const git = openGit(root);
  const { config, model } = await loadRepository(root);
  const stage = findStage(model, stageId);
  const gates = selectGates(stage, flags.gate);

  // Preconditions, in the order a user would fix them; a refusal writes nothing.
  const runs = await readRuns(root, config.paths.gate_results);
  checkProgression(model, stage.data, runs);
  checkRerunPolicy(model, stageId, runsOfStage(runs, stageId), flags.decision);
  const freeze = await checkFreeze(root, git, model, stage);

  const redact = makeRedactor(io.env, config.gates.redact);
  const colors = colorsFor(flags.format === 'json' ? io.stderr : io.stdout, io.env);
  const progress = gateProgress(flags.format === 'json' ? io.stderr : io.stdout, colors);
  const interrupt = new AbortController();
  const restoreSignals = io.onInterrupt?.(() => interrupt.abort());
  let outcome;
  try {
    outcome = await runStage({
      root,
      config,
      gitState: await gitState(git, config.paths.gate_results),
      stage,
      gates,
      selected: flags.gate.length > 0 ? gates.map((gate) => gate.id) : undefined,
      timeoutOverride: flags.timeout,
      decisionTag: flags.decision ?? null,
      freeze,
      env: io.env,
      redact,
      now: () => io.now(),
      nodeVersion: io.nodeVersion ?? 'unknown',
      toolVersion: TOOL_VERSION,
      progress,
      signal: interrupt.signal,
    });
  } finally {
    progress.stop();
    restoreSignals?.();
  }
  const { report } = outcome;
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify({ ...report, run_dir: outcome.runDir }, null, 2)}\n`);
  } else {
    const verdict = report.overall_pass ? colors.green('PASS') : colors.red('FAIL');
    const counts = `${report.blocking_failures} blocking failure${report.blocking_failures === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`;
    io.stdout.write(`${verdict} ${report.stage_id}: ${counts}\nEvidence: ${outcome.runDir}/ (report.md, run.log)\n`);
    if (outcome.logDropped > 0) io.stdout.write(`run.log was capped at ${config.gates.max_log_bytes} bytes; ${outcome.logDropped} bytes of output were dropped.\n`);
    for (const gate of report.gates) {
      const tail = gate.outcome === 'pass' ? undefined : (gate.details?.output_tail as string[] | undefined);
      if (tail?.length) io.stdout.write(`\n${colors.bold(`Last output of ${gate.id}`)} (${gate.summary}):\n${tail.map((line) => `  ${line}`).join('\n')}\n`);
    }
    if (!report.overall_pass) {
      io.stdout.write(`${colors.dim('hint:')} the failed run is kept; a rerun needs \`--decision <tag>\` naming a new decision note with a Root cause section.\n`);
    }
  }
  return report.overall_pass ? EXIT_OK : EXIT_FAILED;
}

/** The stage's gates, or those named with `--gate` (in the stage's order). */
function selectGates(stage: Typed<StageFrontmatter>, wanted: readonly string[]): GateSpec[] {
  const gates = stage.data.gates ?? [];
  if (gates.length === 0) {
    throw new UsageError(`Stage \`${stage.data.id}\` (${stage.doc.file}) declares no gates`, 'Add `gates:` to its frontmatter: each a command (`run:`) or a measured requirement with a severity.');
  }
  for (const id of wanted) {
    if (!isValidId(id)) throw new UsageError(`--gate \`${String(id).slice(0, 80)}\` is not a valid gate id`);
    if (!gates.some((gate) => gate.id === id)) {
      throw new UsageError(`Stage \`${stage.data.id}\` has no gate \`${id}\``, `Its gates: ${gates.map((gate) => gate.id).join(', ')}.`);
    }
  }
  return wanted.length === 0 ? gates : gates.filter((gate) => wanted.includes(gate.id));
}

/**
 * A stage with `freeze: required` needs its freeze file; when a freeze file exists, every frozen input
 * must be unchanged. Either problem refuses the run (exit 1) before anything is written.
 */
async function checkFreeze(root: string, git: SimpleGit, model: RepositoryModel, stage: Typed<StageFrontmatter>): Promise<FreezeVerification | undefined> {
  const file = freezePathOf(model.config.paths.freeze, stage.data.id);
  const frozen = model.freezes.find((freeze) => freeze.doc.file === file);
  if (!frozen) {
    const invalid = model.documents.find((doc) => doc.file === file);
    if (invalid) throw new StagedocsError(`Freeze file ${file} is invalid`, EXIT_FAILED, `Run \`stagedocs validate ${file}\`.`);
    if (stage.data.freeze === 'required') {
      throw new StagedocsError(
        `Stage \`${stage.data.id}\` has \`freeze: required\` but ${file} does not exist`,
        EXIT_FAILED,
        `Freeze its inputs first: \`stagedocs freeze ${stage.data.id} --input <glob>\`, and commit the freeze file.`,
      );
    }
    return undefined;
  }
  if (frozen.data.stage !== stage.data.id) {
    throw new StagedocsError(`Freeze file ${file} is for stage \`${frozen.data.stage}\`, expected \`${stage.data.id}\``, EXIT_FAILED);
  }
  const verification = await verifyFreeze(root, git, file, frozen.data);
  if (!verification.verified) {
    const named = [...verification.changed.map((input) => `${input} (changed)`), ...verification.missing.map((input) => `${input} (missing)`)];
    throw new StagedocsError(
      `Frozen inputs of \`${stage.data.id}\` differ from ${file}: ${named.join(', ')}`,
      EXIT_FAILED,
      'Restore the frozen inputs (`git checkout -- <file>`), or record a decision and freeze anew under a new stage: a freeze file is never rewritten.',
    );
  }
  return verification;
}
