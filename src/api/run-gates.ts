import { knownContracts, phaseOfStage, stageGates, unknownContracts } from '../model/contracts.js';
import { loadRepository } from '../engine/load-repository.js';
import { loadEvidence } from '../evidence/load.js';
import { runHistoryFacts, runTrustOf } from '../git/run-trust.js';
import { signOffTagName } from '../git/tags.js';
import { phaseEntryProblems } from '../audit/assess.js';
import { globMatcher } from '../audit/files.js';
import { signOffTags } from '../audit/workspace.js';
import { failedEntryChecks } from '../gates/entry-checks.js';
import { checkRerunPolicy } from '../gates/failure-policy.js';
import { verifyFreeze, type FreezeVerification } from '../gates/freeze.js';
import { currentInputHashes } from '../git/freeze-drift.js';
import { describeDrift, driftOf, guardingFreezes } from '../model/freeze-guard.js';
import { makeRedactor } from '../gates/redact.js';
import { withPrerequisites } from '../gates/needs.js';
import { runStage, type RunOutcome, type RunProgress } from '../gates/run-stage.js';
import { assertStageId, findStage } from '../gates/stage-model.js';
import type { Env } from '../git/exec.js';
import { gitState } from '../git/worktree-status.js';
import { freezeCommand, freezePathOf, MAX_TIMEOUT_SECONDS, type GateSpec, type StageFrontmatter } from '../model/documents.js';
import { EXIT_FAILED, OptionError, StagedocsError, UsageError } from '../model/errors.js';
import { ID_RULE, isValidId } from '../model/ids.js';
import { checkProgression, unverifiedRuns } from '../model/progression.js';
import { phaseEntrySubject, phaseGateSubject } from '../model/phase-contract.js';
import { freezeAt, phaseById, stageById, type RepositoryModel, type Typed } from '../model/repository.js';
import { checkRunner, requiredLabels, RUNNER_LABELS_VARIABLE, runnerLabelsOf, type RunnerLabels } from '../model/runner.js';
import type { RunnerCheck } from '../model/evidence.js';
import { TOOL_VERSION } from '../util/version.js';
import { locate, type RootInput } from './root.js';

export type { RunOutcome, RunProgress } from '../gates/run-stage.js';

export interface RunGatesRequest {
  /** The repository (inside a git work tree): a folder in it, or the root `resolveRoot` gave. */
  root: RootInput;
  /** The stage whose gates to run, or a phase id: then the phase's exit gates run (`exit.gates`). */
  stage: string;
  /** With a phase id: run the phase's entry gates (`entry.gates`) instead of its exit gates. */
  entry?: boolean;
  /** The environment the gates run with (secrets in it are redacted from the evidence). */
  env: Env;
  /** Run only these gates (such a run does not count as the stage passing). */
  gates?: readonly string[];
  /** The decision note behind this attempt; required after a failed run. */
  decision?: string;
  /** Seconds: overrides every gate's own timeout. */
  timeout?: number;
  /** The clock written into the evidence (default: the system clock). */
  now?: () => Date;
  /** Recorded in environment.json (default: the running Node.js's). */
  nodeVersion?: string;
  /** Told when each gate starts and finishes. */
  progress?: RunProgress;
  /** Aborting it stops the running gate's processes; the run is recorded as interrupted (`report.interrupted`). */
  signal?: AbortSignal;
  /**
   * Run gates even on a runner without the labels they need (`runs_on`): the run is recorded as
   * unofficial (`report.unofficial`) and never counts. Without it such a run is refused (exit 2).
   */
  allowHost?: boolean;
}

const SILENT: RunProgress = { gateStarted() {}, gateFinished() {} };

/**
 * Runs a stage's gates and writes the evidence (the run folder and one registry row), after the
 * checks that refuse a run before anything is written: its dependencies passed, a rerun after a
 * failure names a decision note, its freeze file exists where required and its frozen inputs are
 * unchanged. A refusal throws `StagedocsError`; a run whose gates fail returns normally, with
 * `report.overall_pass` false.
 */
export async function runGates(request: RunGatesRequest): Promise<RunOutcome> {
  assertStageId(request.stage);
  if (request.timeout !== undefined && !(request.timeout > 0 && request.timeout <= MAX_TIMEOUT_SECONDS)) {
    throw new UsageError(`timeout \`${String(request.timeout)}\` is out of range, expected seconds > 0 and at most ${MAX_TIMEOUT_SECONDS} (7 days)`);
  }
  const { root } = await locate(request.root, request.env, 'required');
  const { config, model, validation } = await loadRepository(root);
  // A phase is the subject of its exit gates: run, recorded and judged as a stage's gates are.
  const phase = stageById(model, request.stage) ? undefined : phaseById(model, request.stage);
  if (request.entry && !phase) throw new UsageError(`\`--entry\` runs the entry gates of a phase, and \`${request.stage}\` is not a phase id`, 'Give the phase id (`stagedocs gate run P2 --entry`); a stage runs its own gates without it.');
  // The entry gates run under their own subject id, so that entry and exit runs are judged apart.
  const stage = phase ? (request.entry ? phaseEntrySubject(phase) : phaseGateSubject(phase)) : findStage(model, request.stage);
  const wanted = request.gates ?? [];
  if (!phase) refuseUnknownContracts(model, stage);
  // A phase's entry and exit subjects carry their own gates; a stage is held to its effective gates (its contracts' and its own).
  const { gates, prerequisites } = selectGates(stage, phase ? stage.data.gates ?? [] : stageGates(model, stage.data), wanted, phase === undefined ? undefined : request.entry ? 'entry' : 'exit');
  // Where the gates may run is checked first: on the wrong machine nothing else about the run matters.
  const runner = runnerLabelsOf(request.env, config);
  const host = checkRunner(requiredLabels(stage.data, gates), runner);
  if (host.missing.length > 0 && request.allowHost !== true) refuseHost(stage, gates, host, runner);

  // Preconditions, in the order a user would fix them; a refusal writes nothing. A dependency has
  // passed as status and sign-off say it has (model/progression.ts), or it is signed off.
  const [evidence, facts, tags] = await Promise.all([
    loadEvidence(root, config.paths.gate_results),
    runHistoryFacts(root, config.paths.gate_results, request.env, { committed: false }),
    signOffTags(root, config, request.env),
  ]);
  const runs = evidence.runs;
  const tagMap = new Map(tags.map((tag) => [tag.name, tag]));
  const trust = runTrustOf(evidence.registry, facts);
  if (!phase) {
    checkProgression(model, stage.data, runs, trust, (id) => tagMap.has(signOffTagName(config, 'stage', id)));
    await checkEntry(root, request.env, model, stage, { model, runs, tags: tagMap, errorsByFile: new Map(), trust, globMatches: globMatcher(root) });
  }
  checkRerunPolicy(model, stage.data.id, runs, request.decision, validation.diagnostics, unverifiedRuns(evidence.registry));
  const freeze = await checkFreeze(root, request.env, model, stage);
  await checkGuardingFreezes(root, request.env, model, stage);
  // Interrupted during the checks: nothing was written, and nothing should start.
  if (request.signal?.aborted) throw new StagedocsError(`The run of \`${request.stage}\` was interrupted before its gates started; nothing was recorded`, EXIT_FAILED);

  return runStage({
    root,
    config,
    gitState: await gitState(root, request.env, config.paths.gate_results),
    stage,
    gates,
    selected: wanted.length > 0 ? gates.filter((gate) => !prerequisites.includes(gate.id)).map((gate) => gate.id) : undefined,
    prerequisites,
    timeoutOverride: request.timeout,
    decisionTag: request.decision ?? null,
    freeze,
    env: request.env,
    redact: makeRedactor(request.env, config.gates.redact),
    now: request.now ?? (() => new Date()),
    nodeVersion: request.nodeVersion ?? process.version,
    toolVersion: TOOL_VERSION,
    progress: request.progress ?? SILENT,
    signal: request.signal,
    runner: host.required.length > 0 || host.labels.length > 0 ? { check: host, source: runner.source } : undefined,
    unofficial: host.missing.length > 0,
  });
}

/** Refuses (exit 2, nothing written) gates this runner lacks labels for, naming each gate, its labels and this runner's. */
function refuseHost(stage: Typed<StageFrontmatter>, gates: readonly GateSpec[], host: RunnerCheck, runner: RunnerLabels): never {
  const missing = new Set(host.missing);
  const blocked = gates
    .map((gate) => ({ gate, needs: requiredLabels(stage.data, [gate]) }))
    .filter(({ needs }) => needs.some((label) => missing.has(label)))
    .map(({ gate, needs }) => `gate \`${gate.id}\` needs ${labelList(needs)}`);
  const has =
    runner.source === 'none' ? `this runner has no labels (neither ${RUNNER_LABELS_VARIABLE} nor runner.labels is set)` : `this runner has ${labelList(runner.labels)} (from ${runner.source})`;
  throw new UsageError(
    `Stage \`${stage.data.id}\` may not run here: ${blocked.join(', ')}; ${has}, missing ${labelList(host.missing)}; nothing was run or recorded`,
    `Run it on a runner with those labels (there, set \`${RUNNER_LABELS_VARIABLE}=${host.required.join(',')}\` or \`runner: { labels: [${host.required.join(', ')}] }\` in stagedocs.config.yaml), or pass --allow-host to run it here as an unofficial run, which never counts for progression or sign-off.`,
  );
}

function labelList(labels: readonly string[]): string {
  return labels.map((label) => `\`${label}\``).join(', ');
}

/**
 * A stage of a phase whose entry is unmet may not run its gates: the entry as the one assessment
 * judges it (upstream phases signed off, entry files, file checks), then the entry checks that are
 * commands. A refusal writes nothing.
 */
async function checkEntry(root: string, env: Env, model: RepositoryModel, stage: Typed<StageFrontmatter>, context: Parameters<typeof phaseEntryProblems>[0]): Promise<void> {
  const phase = phaseById(model, stage.data.phase);
  if (!phase?.data.entry) return;
  const problems = phaseEntryProblems(context, phase.data.id);
  const failed = problems.length > 0 ? [] : await failedEntryChecks(root, phase.data, env, model.config.gates.default_timeout);
  const unmet = [
    ...problems.map((problem) => `${problem.reason} (${phase.doc.file}:${problem.place.line}:${problem.place.column}): ${problem.fix}`),
    ...failed.map(({ check, outcome }) => `entry check \`${check.id}\` (${check.description}) failed: \`${check.run}\` ended with ${outcome}`),
  ];
  if (unmet.length === 0) return;
  throw new StagedocsError(
    `Stage \`${stage.data.id}\` may not run its gates: the entry of phase \`${phase.data.id}\` is unmet: ${unmet.join('; ')}`,
    EXIT_FAILED,
    `Meet the entry of ${phase.data.id} first (\`entry:\` in ${phase.doc.file}); nothing was recorded.`,
  );
}

/**
 * A stage naming a contract that neither a file nor a built-in defines would run fewer gates than it
 * is held to: refused (exit 2), as validation reports it (contract-reference).
 */
function refuseUnknownContracts(model: RepositoryModel, stage: Typed<StageFrontmatter>): void {
  const phase = phaseOfStage(model, stage.data);
  const unknown = unknownContracts(stage.data, phase, knownContracts(model));
  if (unknown.length === 0) return;
  throw new UsageError(
    `Stage \`${stage.data.id}\` (${stage.doc.file}) is held to ${unknown.map((id) => `\`${id}\``).join(', ')}, which no contract file (${model.config.paths.contracts}/<id>.yaml) or built-in contract defines; nothing was run or recorded`,
    `Add ${model.config.paths.contracts}/${unknown[0]}.yaml, or name a known contract (built-in: ${(model.builtinContracts ?? []).map((known) => known.data.contract_id).join(', ')}); \`stagedocs validate\` shows where.`,
  );
}

/**
 * The given gates (a stage's effective gates, or a phase's exit or entry gates), or those named with
 * `--gate` and every gate they need, transitively (in stage order; `runStage` orders them by needs).
 * `prerequisites` are the gates that were pulled in only as prerequisites, so that `--gate heavy` runs
 * `preflight` first and skips heavy when it fails, as a full run would.
 */
function selectGates(stage: Typed<StageFrontmatter>, gates: readonly GateSpec[], wanted: readonly string[], phaseGates: 'exit' | 'entry' | undefined): { gates: GateSpec[]; prerequisites: string[] } {
  if (gates.length === 0) {
    if (phaseGates === 'entry') throw new UsageError(`Phase \`${stage.data.phase}\` (${stage.doc.file}) declares no entry gates`, 'Add `entry: { gates: [...] }` to its frontmatter, or run its exit gates without --entry.');
    if (phaseGates === 'exit') throw new UsageError(`Phase \`${stage.data.id}\` (${stage.doc.file}) declares no exit gates`, 'Add `exit: { gates: [...] }` to its frontmatter, or run the gates of one of its stages.');
    throw new UsageError(`Stage \`${stage.data.id}\` (${stage.doc.file}) declares no gates`, 'Add `gates:` to its frontmatter: each a command (`run:`) or a measured requirement with a severity.');
  }
  for (const id of wanted) {
    if (!isValidId(id)) throw new OptionError('gates', String(id), 'is not a valid gate id', ID_RULE);
    if (!gates.some((gate) => gate.id === id)) {
      throw new UsageError(`Stage \`${stage.data.id}\` has no gate \`${id}\``, `Its gates: ${gates.map((gate) => gate.id).join(', ')}.`);
    }
  }
  if (wanted.length === 0) return { gates: [...gates], prerequisites: [] };
  const chosen = withPrerequisites(gates, wanted);
  return { gates: gates.filter((gate) => chosen.has(gate.id)), prerequisites: gates.filter((gate) => chosen.has(gate.id) && !wanted.includes(gate.id)).map((gate) => gate.id) };
}

/**
 * A stage with `freeze: required` needs its freeze file; when a freeze file exists, every frozen input
 * must be unchanged. Either problem refuses the run (exit 1) before anything is written.
 */
async function checkFreeze(root: string, env: Env, model: RepositoryModel, stage: Typed<StageFrontmatter>): Promise<FreezeVerification | undefined> {
  const file = freezePathOf(model.config.paths.freeze, stage.data.id);
  const frozen = freezeAt(model, file);
  if (!frozen) {
    const invalid = model.documents.find((doc) => doc.file === file);
    if (invalid) throw new StagedocsError(`Freeze file ${file} is invalid`, EXIT_FAILED, `Run \`stagedocs validate ${file}\`.`);
    if (stage.data.freeze === 'required') {
      throw new StagedocsError(
        `Stage \`${stage.data.id}\` has \`freeze: required\` but ${file} does not exist`,
        EXIT_FAILED,
        `Freeze its inputs first: \`${freezeCommand(stage.data.id)}\`, and commit the freeze file.`,
      );
    }
    return undefined;
  }
  if (frozen.data.stage !== stage.data.id) {
    throw new StagedocsError(`Freeze file ${file} is for stage \`${frozen.data.stage}\`, expected \`${stage.data.id}\``, EXIT_FAILED);
  }
  const verification = await verifyFreeze(root, env, file, frozen.data);
  if (!verification.verified) {
    const named = [
      ...verification.changed.map((input) => `${input} (changed)`),
      ...verification.missing.map((input) => `${input} (missing)`),
      ...(verification.outside ?? []).map((input) => `${input} (outside the repository, not read)`),
    ];
    throw new StagedocsError(
      `Frozen inputs of \`${stage.data.id}\` differ from ${file}: ${named.join(', ')}`,
      EXIT_FAILED,
      'Restore the frozen inputs (`git checkout -- <file>`), or record a decision and freeze anew under a new stage: a freeze file is never rewritten.',
    );
  }
  return verification;
}

/**
 * The freeze files of the stages this one follows guard its inputs too (model/freeze-guard.ts): a
 * frozen input changed since any of them refuses the run (exit 1) before anything is written.
 */
async function checkGuardingFreezes(root: string, env: Env, model: RepositoryModel, stage: Typed<StageFrontmatter>): Promise<void> {
  const guarding = guardingFreezes(model, stage.data).filter((freeze) => freeze.data.stage !== stage.data.id);
  if (guarding.length === 0) return;
  const hashes = await currentInputHashes(root, env, guarding.flatMap((freeze) => Object.keys(freeze.data.inputs)));
  const drift = guarding.flatMap((freeze) => driftOf(freeze.doc.file, freeze.data, hashes));
  if (drift.length === 0) return;
  throw new StagedocsError(
    `Stage \`${stage.data.id}\` would run on frozen inputs that changed: ${drift.map((entry) => `${entry.input} (${describeDrift(entry)})`).join('; ')}`,
    EXIT_FAILED,
    'Restore the frozen inputs (`git checkout <freeze commit> -- <file>`); a new scope needs a new decision note and a new freeze under a new stage: a freeze file is never rewritten.',
  );
}
