import { stageGates } from '../model/contracts.js';
import { freezeCommand, freezePathOf, type StageFrontmatter } from '../model/documents.js';
import { compareStrings } from '../model/diagnostic.js';
import { dependenciesOf, type Typed } from '../model/repository.js';
import { requiredLabels } from '../model/runner.js';
import { assessStage, comparePhaseIds, type AssessmentContext } from './assess.js';

/**
 * The gate plan: which stages' gates are due, in waves a CI system can fan out. stagedocs does not
 * schedule anything itself; the plan is computed from the one verdict (assess.ts) and handed to a
 * runner matrix. A stage is due when it has gates, is not signed off or marked blocked, and either
 * has no passing run that counts or (with a ref) its document, freeze file or frozen inputs changed
 * since the ref. It is planned when each dependency has passed or is itself planned in an earlier
 * wave; otherwise it is held, with the reason. Same repository state, same plan, byte for byte.
 */

export const PLAN_FORMAT = 1;

/** Why a stage is due. */
export type DueReason = 'no-passing-run' | 'changed';

export interface PlanEntry {
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
}

export interface HeldStage {
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
      held.push({ stage: stage.data.id, reason: `its newest counting run, ${assessment.judged.last.report.run_id}, failed: a rerun needs a decision note with a Root cause (\`gate run --decision <tag>\`)` });
    } else due.set(stage.data.id, { stage, reasons });
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
      after: dependenciesOf(model, stage.data).filter((dependency) => due.has(dependency)),
      reasons,
    });
  }
  const position = new Map(ordered(model.stages).map((stage, index) => [stage.data.id, index]));
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

/** The files whose change makes a stage due again: its document, its freeze file and the inputs that file froze. */
function changedInputs(context: AssessmentContext, stage: Typed<StageFrontmatter>): string[] {
  const freezeFile = freezePathOf(context.model.config.paths.freeze, stage.data.id);
  const freeze = context.model.freezes.find((candidate) => candidate.doc.file === freezeFile);
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
  matrix: { include: Array<{ stage: string; wave: number; 'runs-on': string | string[]; labels: string }> };
  /** Entries beyond the limit, left for the next plan (they stay due). */
  leftOut: number;
}

/**
 * The plan's entries (of one wave, when given) as a GitHub Actions matrix. `runs-on` is the default
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
  }));
  return { matrix: { include }, leftOut: entries.length - include.length };
}
