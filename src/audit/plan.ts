import { stageGates } from '../model/contracts.js';
import { freezeCommand, freezePathOf, type PhaseFrontmatter, type StageFrontmatter } from '../model/documents.js';
import { compareStrings } from '../model/diagnostic.js';
import { entrySubjectId, phaseEntrySubject, phaseGateSubject, type ContractProblem } from '../model/phase-contract.js';
import type { StageRuns } from '../model/progression.js';
import { dependenciesOf, freezeAt, stagesOfPhase, type Typed } from '../model/repository.js';
import { requiredLabels } from '../model/runner.js';
import { assessStage, comparePhaseIds, phaseEntryProblems, phaseGateRuns, signOffOf, type AssessmentContext } from './assess.js';

/**
 * The gate plan: which stages' gates are due, in waves a CI system can fan out. stagedocs does not
 * schedule anything itself; the plan is computed from the one verdict (assess.ts) and handed to a
 * runner matrix. A stage is due when it has gates, is not signed off or marked blocked, and either
 * has no passing run that counts or (with a ref) its document, freeze file or frozen inputs changed
 * since the ref. It is planned when each dependency has passed or is itself planned in an earlier
 * wave; otherwise it is held, with the reason. Same repository state, same plan, byte for byte.
 *
 * A phase's gate runs are planned the same way (`duePhaseRuns`): its entry gates (`gate run <phase>
 * --entry`, subject `<phase>-entry`) before the wave of its stages, which wait for them, and its exit
 * gates (`gate run <phase>`, subject the phase id) after every run of its stages.
 */

export const PLAN_FORMAT = 1;

/** Why a stage is due. */
export type DueReason = 'no-passing-run' | 'changed';

export interface PlanEntry {
  /** The subject of the run: a stage id, `<phase-id>-entry` for a phase's entry gates, or the phase id for its exit gates. */
  stage: string;
  phase: string;
  title: string;
  /** 0 for stages whose dependencies have all passed; otherwise one more than the latest wave of a planned dependency. */
  wave: number;
  /** The runner labels its gates need (the stage's and its gates' `runs_on`), sorted. */
  runs_on: string[];
  /** Its dependencies that are planned too (in earlier waves). */
  after: string[];
  reasons: DueReason[];
  /** Only on a phase's runs: which of its gates run (`gate run <phase> --entry`, or `gate run <phase>`). */
  phase_gates?: PhaseGates;
}

/** A phase's entry gates (`entry.gates`) or exit gates (`exit.gates`). */
export type PhaseGates = 'entry' | 'exit';

export interface HeldStage {
  /** A stage id, or the subject id of a phase's run as in `PlanEntry.stage`. */
  stage: string;
  /** Why it is due but not planned, in one line. */
  reason: string;
}

export interface GatePlan {
  format: typeof PLAN_FORMAT;
  /** The ref changes were measured from, or null. */
  changed_since: string | null;
  /** How many waves the entries span. */
  waves: number;
  entries: PlanEntry[];
  held: HeldStage[];
}

export interface PlanOptions {
  /** Files changed since `changedSince` (repository-relative), when a ref was given. */
  changed?: { ref: string; files: ReadonlySet<string> };
  /** Only these stages may be planned (their dependencies are not added). */
  stages?: readonly string[];
}

export function buildPlan(context: AssessmentContext, options: PlanOptions = {}): GatePlan {
  const { model } = context;
  const only = options.stages ? new Set(options.stages) : undefined;
  const byId = new Map(model.stages.map((stage) => [stage.data.id, stage]));
  const passed = new Map<string, boolean>();
  const due = new Map<string, { stage: Typed<StageFrontmatter>; reasons: DueReason[] }>();
  const held: HeldStage[] = [];
  const phaseRuns = duePhaseRuns(context, options, only);
  held.push(...phaseRuns.held);

  for (const stage of ordered(model.stages)) {
    const assessment = assessStage(context, stage);
    passed.set(stage.data.id, assessment.passed);
    if (stageGates(model, stage.data).length === 0 || assessment.signOffTag || (only && !only.has(stage.data.id))) continue;
    const reasons: DueReason[] = [];
    if (!assessment.passed) reasons.push('no-passing-run');
    if (options.changed && changedInputs(context, stage).some((file) => options.changed!.files.has(file))) reasons.push('changed');
    if (reasons.length === 0) continue;
    // Due, but `gate run` would refuse it: say why instead of planning a job that fails.
    if (stage.data.status === 'blocked') held.push({ stage: stage.data.id, reason: 'the stage is marked `status: blocked`' });
    else if (assessment.blockerDetails.some((blocker) => blocker.cause === 'freeze-missing')) held.push({ stage: stage.data.id, reason: `its freeze file is missing (\`${freezeCommand(stage.data.id)}\`)` });
    else if (assessment.judged.last && !assessment.judged.last.report.overall_pass) {
      held.push({ stage: stage.data.id, reason: failedRunReason(assessment.judged) });
    } else {
      const entryHold = phaseRuns.entryHold(stage.data.phase);
      if (entryHold !== undefined) held.push({ stage: stage.data.id, reason: entryHold });
      else due.set(stage.data.id, { stage, reasons });
    }
  }

  // Waves: a stage goes after every planned dependency; one whose dependency neither passed nor is
  // planned is held. Dependencies are resolved before dependants (memoised; a cycle is held).
  const wave = new Map<string, number | string>();
  const resolve = (id: string, visiting: Set<string>): number | string => {
    const known = wave.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 'its dependencies form a cycle (rule dependency-cycle)';
    visiting.add(id);
    const { stage } = due.get(id)!;
    let result: number | string = 0;
    for (const dependency of dependenciesOf(model, stage.data)) {
      if (due.has(dependency)) {
        const at = resolve(dependency, visiting);
        if (typeof at === 'string') {
          result = `it depends on \`${dependency}\`, which is held`;
          break;
        }
        result = Math.max(result, at + 1);
      } else if (!byId.has(dependency)) {
        result = `its dependency \`${dependency}\` does not exist`;
        break;
      } else if (!passed.get(dependency)) {
        result = `it depends on \`${dependency}\`, which has no passing run that counts and is not in the plan`;
        break;
      }
    }
    // A stage of a phase whose entry gates are planned runs after them (`gate run` refuses it before).
    if (typeof result === 'number' && phaseRuns.entryPlanned(stage.data.phase)) result = Math.max(result, 1);
    visiting.delete(id);
    wave.set(id, result);
    return result;
  };
  const entries: PlanEntry[] = [];
  for (const [id, { stage, reasons }] of due) {
    const at = resolve(id, new Set());
    if (typeof at === 'string') {
      held.push({ stage: id, reason: at });
      continue;
    }
    entries.push({
      stage: id,
      phase: stage.data.phase,
      title: stage.data.title,
      wave: at,
      runs_on: requiredLabels(stage.data, stageGates(model, stage.data)),
      after: [...(phaseRuns.entryPlanned(stage.data.phase) ? [entrySubjectId(stage.data.phase)] : []), ...dependenciesOf(model, stage.data).filter((dependency) => due.has(dependency))],
      reasons,
    });
  }
  const placed = placePhaseRuns(context, phaseRuns.due, entries, held, passed);
  entries.push(...placed.entries);
  held.push(...placed.held);
  const position = new Map(planSequence(context).map((id, index) => [id, index]));
  entries.sort((a, b) => a.wave - b.wave || position.get(a.stage)! - position.get(b.stage)!);
  held.sort((a, b) => position.get(a.stage)! - position.get(b.stage)!);
  return {
    format: PLAN_FORMAT,
    changed_since: options.changed?.ref ?? null,
    waves: entries.reduce((most, entry) => Math.max(most, entry.wave + 1), 0),
    entries,
    held,
  };
}

/** A due run of a phase's entry or exit gates, before it is placed in a wave. */
interface PhaseRun {
  phase: Typed<PhaseFrontmatter>;
  gates: PhaseGates;
  subject: Typed<StageFrontmatter>;
  reasons: DueReason[];
}

/** Why a run whose newest counting run failed is held: `gate run` refuses a rerun without a decision note. */
function failedRunReason(judged: StageRuns): string {
  return `its newest counting run, ${judged.last!.report.run_id}, failed: a rerun needs a decision note with a Root cause (\`gate run --decision <tag>\`)`;
}

/**
 * The phases' gate runs that are due, and for their stages whether they wait for planned entry gates
 * or are held by an entry that no planned run can meet. A phase signed off plans nothing; its entry
 * or exit gates are due as a stage's are: no passing run that counts, or (with a ref) the phase
 * document changed. With `--stages`, a phase's runs are planned only when their subject id is listed.
 */
function duePhaseRuns(context: AssessmentContext, options: PlanOptions, only: ReadonlySet<string> | undefined) {
  const due: PhaseRun[] = [];
  const held: HeldStage[] = [];
  const entryUnmet = new Map<string, ContractProblem[]>();
  // Phases whose entry gates have no passing run that counts (their stages wait for a run of them).
  const entryOpen = new Set<string>();
  for (const phase of [...context.model.phases].sort((a, b) => comparePhaseIds(a.data.id, b.data.id))) {
    // The parts of the phase's assessment (assess.ts) the plan reads, without assessing its stages again.
    const { entryRuns, exitRuns } = phaseGateRuns(context, phase);
    // What of the entry holds its stages back besides its entry gates (their run is planned below).
    entryUnmet.set(phase.data.id, phaseEntryProblems(context, phase.data.id).filter((problem) => problem.pointer !== '/entry/gates'));
    if (entryRuns && !entryRuns.passed) entryOpen.add(phase.data.id);
    if (signOffOf(context, 'phase', phase.data.id, phase.data.approvals).tag) continue;
    const changed = options.changed !== undefined && options.changed.files.has(phase.doc.file);
    const candidates: Array<[PhaseGates, Typed<StageFrontmatter>, StageRuns | undefined]> = [
      ['entry', phaseEntrySubject(phase), entryRuns],
      ['exit', phaseGateSubject(phase), exitRuns],
    ];
    for (const [gates, subject, runs] of candidates) {
      if (!runs || (only && !only.has(subject.data.id))) continue;
      const reasons: DueReason[] = [...(runs.passed ? [] : ['no-passing-run' as const]), ...(changed ? ['changed' as const] : [])];
      if (reasons.length === 0) continue;
      if (runs.last && !runs.last.report.overall_pass) held.push({ stage: subject.data.id, reason: failedRunReason(runs) });
      else due.push({ phase, gates, subject, reasons });
    }
  }
  const entryPlanned = (phaseId: string) => due.some((run) => run.gates === 'entry' && run.phase.data.id === phaseId);
  return {
    due,
    held,
    entryPlanned,
    /** Why a due stage of the phase may not be planned because of its phase's entry, or undefined. */
    entryHold(phaseId: string): string | undefined {
      const problem = entryUnmet.get(phaseId)?.[0];
      if (problem) return `the entry of phase \`${phaseId}\` is unmet: ${problem.reason}`;
      if (entryOpen.has(phaseId) && !entryPlanned(phaseId)) return `it waits for the entry gates of phase \`${phaseId}\` (\`${entrySubjectId(phaseId)}\`), which have no passing run that counts and are not in the plan`;
      return undefined;
    },
  };
}

/**
 * The waves of the phases' due runs, given the stages' planned entries: entry gates in wave 0 (they
 * run whatever the rest of the entry says, and the phase's stages wait for them); exit gates one wave
 * after the latest planned run of the phase (its entry gates and its stages). An exit run is held
 * while a stage of the phase with gates has not passed and is not planned.
 */
function placePhaseRuns(context: AssessmentContext, due: readonly PhaseRun[], stageEntries: readonly PlanEntry[], held: readonly HeldStage[], passed: ReadonlyMap<string, boolean>): { entries: PlanEntry[]; held: HeldStage[] } {
  const entries: PlanEntry[] = [];
  const exitHeld: HeldStage[] = [];
  const planned = (run: PhaseRun, wave: number, after: string[]): PlanEntry => ({
    stage: run.subject.data.id,
    phase: run.phase.data.id,
    title: run.subject.data.title,
    wave,
    runs_on: requiredLabels(run.subject.data),
    after,
    reasons: run.reasons,
    phase_gates: run.gates,
  });
  for (const run of due) {
    const phaseId = run.phase.data.id;
    if (run.gates === 'entry') {
      entries.push(planned(run, 0, []));
      continue;
    }
    const stages = stagesOfPhase(context.model, phaseId).filter((stage) => stageGates(context.model, stage.data).length > 0);
    const waiting = stages.find((stage) => !passed.get(stage.data.id) && !stageEntries.some((entry) => entry.stage === stage.data.id));
    if (waiting) {
      const why = held.some((entry) => entry.stage === waiting.data.id) ? ' (it is held)' : '';
      exitHeld.push({ stage: run.subject.data.id, reason: `it waits for its stage \`${waiting.data.id}\`, which has no passing run that counts and is not in the plan${why}` });
      continue;
    }
    const entryRun = due.some((candidate) => candidate.gates === 'entry' && candidate.phase.data.id === phaseId);
    const before = [...(entryRun ? [{ stage: entrySubjectId(phaseId), wave: 0 }] : []), ...stageEntries.filter((entry) => entry.phase === phaseId)];
    entries.push(planned(run, before.reduce((latest, entry) => Math.max(latest, entry.wave + 1), 0), before.map((entry) => entry.stage)));
  }
  return { entries, held: exitHeld };
}

/**
 * Every run subject in the order status lists them: per phase (by id), its entry gates, its stages
 * (by order, then id), its exit gates. Entries of one wave, and the held ones, are sorted by it.
 */
function planSequence(context: AssessmentContext): string[] {
  const stages = ordered(context.model.stages);
  const phaseIds = [...new Set([...context.model.phases.map((phase) => phase.data.id), ...stages.map((stage) => stage.data.phase)])].sort(comparePhaseIds);
  return phaseIds.flatMap((phaseId) => [entrySubjectId(phaseId), ...stages.filter((stage) => stage.data.phase === phaseId).map((stage) => stage.data.id), phaseId]);
}

/** The files whose change makes a stage due again: its document, its freeze file and the inputs that file froze. */
function changedInputs(context: AssessmentContext, stage: Typed<StageFrontmatter>): string[] {
  const freezeFile = freezePathOf(context.model.config.paths.freeze, stage.data.id);
  const freeze = freezeAt(context.model, freezeFile);
  return [stage.doc.file, freezeFile, ...Object.keys(freeze?.data.inputs ?? {})];
}

/** Stages as status lists them: phases by id, then order, then id. */
function ordered(stages: ReadonlyArray<Typed<StageFrontmatter>>): Array<Typed<StageFrontmatter>> {
  return [...stages].sort((a, b) => comparePhaseIds(a.data.phase, b.data.phase) || a.data.order - b.data.order || compareStrings(a.data.id, b.data.id));
}

/** GitHub Actions allows at most 256 jobs per matrix. */
export const GITHUB_MATRIX_LIMIT = 256;

/** Runner labels that name GitHub-hosted images; any other label set is a self-hosted runner's. */
const HOSTED_LABEL = /^(ubuntu|windows|macos)-/;

export interface GithubMatrix {
  /** What `strategy.matrix` takes: `fromJSON` of this object. */
  matrix: { include: Array<{ stage: string; wave: number; 'runs-on': string | string[]; labels: string; phase?: string; phase_gates?: PhaseGates }> };
  /** Entries beyond the limit, left for the next plan (they stay due). */
  leftOut: number;
}

/**
 * The plan's entries (of one wave, when given) as a GitHub Actions matrix; a phase's run also carries
 * `phase` and `phase_gates`, from which the job builds its `gate run`. `runs-on` is the default
 * runner for stages that need no labels, else the labels, preceded by `self-hosted` unless they name
 * a hosted image. At most 256 entries: the rest are counted in `leftOut`, in plan order.
 */
export function githubMatrix(plan: GatePlan, options: { wave?: number; defaultRunner: string }): GithubMatrix {
  const entries = plan.entries.filter((entry) => options.wave === undefined || entry.wave === options.wave);
  const include = entries.slice(0, GITHUB_MATRIX_LIMIT).map((entry) => ({
    stage: entry.stage,
    wave: entry.wave,
    'runs-on':
      entry.runs_on.length === 0
        ? options.defaultRunner
        : entry.runs_on.includes('self-hosted') || entry.runs_on.some((label) => HOSTED_LABEL.test(label))
          ? entry.runs_on
          : ['self-hosted', ...entry.runs_on],
    labels: entry.runs_on.join(','),
    // A phase's run is `gate run <phase>` (exit) or `gate run <phase> --entry`: the job needs both.
    ...(entry.phase_gates ? { phase: entry.phase, phase_gates: entry.phase_gates } : {}),
  }));
  return { matrix: { include }, leftOut: entries.length - include.length };
}
