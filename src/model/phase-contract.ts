import { entryPhasesOf, phaseExit, placeOf, pointerSegment, type GateSpec, type PhaseFrontmatter, type StageFrontmatter } from './documents.js';
import type { RunFolder } from './evidence.js';
import { notPassedReason, stageRuns, type RunTrust, type StageRuns } from './progression.js';
import type { Config } from './config.js';
import type { Position } from './diagnostic.js';
import type { PhaseState } from './contract-states.js';
import type { RepositoryModel, Typed } from './repository.js';

/**
 * The phase contract's entry, judged once for every command: `validate` (rule phase-entry), `gate run`
 * and `sign-off` of a stage, `status`. Only the facts differ by who asks: commands that read git
 * count an upstream phase cleared when its sign-off tag exists, `validate` (which reads no tags) when
 * its document is `done`; a glob is matched by whoever can list files.
 */
export interface EntryFacts {
  /** Whether an upstream phase of the entry counts as cleared. */
  phaseCleared(phaseId: string): boolean;
  /** Whether a path or glob has a match; undefined when the caller cannot tell (then it is not judged). */
  fileExists(pattern: string): boolean | undefined;
  /** The runs of a phase's entry gates, judged as a stage's are; undefined when the caller has no evidence (then they are not judged). */
  entryRuns(phase: Typed<PhaseFrontmatter>): StageRuns | undefined;
}

/** One unmet promise of a phase contract: where it is written, what is wrong, what to do. */
export interface ContractProblem {
  /** JSON pointer of the promise in the phase's frontmatter. */
  pointer: string;
  place: Position;
  reason: string;
  fix: string;
}

/** Whether a pattern is a glob rather than one path (the characters picomatch and tinyglobby expand). */
export function isGlobPattern(pattern: string): boolean {
  return /[*?[\]{}()!]/.test(pattern);
}

/**
 * What of a phase's entry does not hold (empty when it is met, or when the phase declares no entry).
 * Checks with `run` are commands: they are run by `gate run` (gates/entry-checks.ts), not here.
 */
export function entryProblems(phase: Typed<PhaseFrontmatter>, facts: EntryFacts, signedOffMeaning: 'signed off' | 'done'): ContractProblem[] {
  const { data, doc } = phase;
  const entry = data.entry;
  if (!entry) return [];
  const problems: ContractProblem[] = [];
  const at = (pointer: string, reason: string, fix: string) => problems.push({ pointer, place: placeOf(doc, pointer), reason, fix });
  const phasesPointer = entry.phases ? '/entry/phases' : '/upstream';
  entryPhasesOf(data).forEach((upstream, index) => {
    if (facts.phaseCleared(upstream)) return;
    at(
      `${phasesPointer}/${index}`,
      `upstream phase \`${upstream}\` is not ${signedOffMeaning}`,
      signedOffMeaning === 'done' ? `finish phase ${upstream} (status \`done\`) and sign it off first (\`stagedocs sign-off ${upstream}\`)` : `sign off phase ${upstream} first (\`stagedocs sign-off ${upstream}\`)`,
    );
  });
  (entry.files ?? []).forEach((pattern, index) => {
    if (facts.fileExists(pattern) !== false) return;
    at(`/entry/files/${index}`, `entry file \`${pattern}\` ${isGlobPattern(pattern) ? 'matches nothing' : 'does not exist'}`, `create \`${pattern}\` (it is what the upstream work hands over) and commit it`);
  });
  (entry.checks ?? []).forEach((check, index) => {
    if (check.file === undefined || facts.fileExists(check.file) !== false) return;
    at(`/entry/checks/${index}/file`, `entry check \`${check.id}\` (${check.description}) is not met: \`${check.file}\` does not exist`, `clear the blocker so that \`${check.file}\` exists`);
  });
  const runs = (entry.gates ?? []).length > 0 ? facts.entryRuns(phase) : undefined;
  if (runs && !runs.passed) {
    const subject = phaseEntrySubject(phase).data;
    at('/entry/gates', `no passing run of the entry gates of phase \`${data.id}\` counts: ${notPassedReason(subject, runs)}`, `run \`stagedocs gate run ${data.id} --entry\` on a clean tree until it passes, and commit the evidence`);
  }
  return problems;
}

/** The runs of a phase's entry gates, judged by the one notion of a counting run (model/progression.ts). */
export function entryGateRuns(phase: Typed<PhaseFrontmatter>, runs: readonly RunFolder[], trust: RunTrust): StageRuns {
  const subject = phaseEntrySubject(phase).data;
  return stageRuns(subject, runs, trust, subject.gates ?? []);
}

/**
 * What clears an upstream phase for the commands that read git (`phases.upstream_requires`): its sign-off
 * tag (default, as the issue asks: "signed off, or done by config"), or its `done` status. `validate`
 * reads no tags and always judges `done`.
 */
export function upstreamRequirement(config: Config): 'signed off' | 'done' {
  return config.phases?.upstream_requires === 'done' ? 'done' : 'signed off';
}

/**
 * The entry facts `validate` has: upstream phases by their status, paths by the repository's files,
 * entry gates by the gate evidence when it was loaded (not in the hook); globs are left to commands
 * that can list files.
 */
export function documentEntryFacts(model: RepositoryModel): EntryFacts {
  const phases = new Map(model.phases.map((phase) => [phase.data.id, phase.data.status]));
  const evidence = model.evidence;
  return {
    phaseCleared: (id) => phases.get(id) === 'done',
    fileExists: (pattern) => (isGlobPattern(pattern) ? undefined : model.exists(pattern)),
    entryRuns: (phase) => (evidence ? entryGateRuns(phase, evidence.runs, { registry: evidence.registry, history: evidence.history }) : undefined),
  };
}

/**
 * The phase as the subject of a gate run of its exit gates: the runner, the evidence, the registry
 * and the one notion of a counting run (model/progression.ts) take it as they take a stage, so a
 * phase's run folder is `<phase-id>_<timestamp>` and its registry row carries the phase id in both
 * the stage and the phase column.
 */
export function phaseGateSubject(phase: Typed<PhaseFrontmatter>): Typed<StageFrontmatter> {
  const exit = phaseExit(phase.data);
  return gateSubject(phase, phase.data.id, phase.data.title, exit.gates ?? [], exit.produces);
}

/** The id under which a phase's entry gates run and are recorded: run folders `<phase-id>-entry_<timestamp>`. */
export function entrySubjectId(phaseId: string): string {
  return `${phaseId}-entry`;
}

/**
 * The phase as the subject of a gate run of its entry gates (`gate run <phase-id> --entry`): as for
 * the exit gates, but under its own id (`entrySubjectId`), so that entry and exit runs are judged
 * apart; the registry row's phase column carries the phase id.
 */
export function phaseEntrySubject(phase: Typed<PhaseFrontmatter>): Typed<StageFrontmatter> {
  return gateSubject(phase, entrySubjectId(phase.data.id), `${phase.data.title} (entry)`, phase.data.entry?.gates ?? [], undefined);
}

function gateSubject(phase: Typed<PhaseFrontmatter>, id: string, title: string, gates: GateSpec[], produces: string[] | undefined): Typed<StageFrontmatter> {
  return {
    doc: phase.doc,
    data: {
      id,
      kind: 'stage',
      title,
      phase: phase.data.id,
      order: 0,
      status: phase.data.status,
      gates,
      ...(produces ? { produces } : {}),
    },
  };
}

/** What the same check needs of a stage: which phase it belongs to and whether it has started. */
export interface StageProgress {
  id: string;
  phase?: string;
  status: string;
}

/** The two lists of a phase that hold at commit: what it protects, and what agents must not modify. */
export type PhaseList = 'protected' | 'agents.must_not_modify';

/** One pattern of a phase that holds for a commit, where it is written, and the gate runs that may change it. */
export interface PhaseProtectedEntry {
  pattern: string;
  list: PhaseList;
  phaseId: string;
  /** The phase's status after the commit (before it, when the commit deletes the phase document). */
  status: string;
  file: string;
  place: Position;
  /** Set when the pattern is only in the phase as it was before the commit (the commit removed it). */
  removedByCommit?: boolean;
  /** Run-folder prefixes (`gate_results/<id>_`) of the phase's stages and of the phase itself: evidence of one of them in the same commit lets the paths change. */
  runPrefixes: string[];
}


/**
 * The `protected` and `agents.must_not_modify` patterns of every phase that has started (it, or one of
 * its stages, is past `not-started`), for one commit: they hold for the phase's whole life and after,
 * so a commit may change them only together with a gate run's evidence of the phase or one of its
 * stages (generated outputs change through gate runs). `after` are the phases after the commit,
 * `before` the phase documents the commit changes as they were before it: as for a stage's list
 * (`commitProtections`), a pattern of either version holds, so one commit cannot drop a pattern and
 * change what it guarded, and a phase the commit deletes counts as it was. The commit does not say
 * whether an agent made it, so `must_not_modify` holds here for everyone (the guard, before an edit,
 * is where only agents are asked). What the hook and `validate --range` add to the stages' own.
 */
export function phaseProtectedEntries(after: readonly PhaseState[], before: readonly PhaseState[], stages: readonly StageProgress[], gateResultsFolder: string): PhaseProtectedEntry[] {
  const gateResults = gateResultsFolder.replace(/\\/g, '/').replace(/\/+$/, '');
  const entries: PhaseProtectedEntry[] = [];
  // The stages of each phase, grouped once: a phase looked its stages up in the whole list (quadratic).
  const stagesByPhase = new Map<string | undefined, StageProgress[]>();
  for (const stage of stages) {
    const list = stagesByPhase.get(stage.phase);
    if (list) list.push(stage);
    else stagesByPhase.set(stage.phase, [stage]);
  }
  const add = (phase: PhaseState, status: string, started: boolean, removedByCommit: boolean, later: readonly PhaseState[]) => {
    if (!started) return;
    const ownStages = stagesByPhase.get(phase.id) ?? [];
    const runPrefixes = [phase.id, entrySubjectId(phase.id), ...ownStages.map((stage) => stage.id)].map((id) => `${gateResults}/${id}_`);
    const lists: Array<[PhaseList, string, (state: PhaseState) => readonly string[]]> = [
      ['protected', '/protected', (state) => state.protected],
      ['agents.must_not_modify', '/agents/must_not_modify', (state) => state.mustNotModify],
    ];
    for (const [list, pointer, patternsOf] of lists) {
      const kept = new Set(later.flatMap(patternsOf));
      patternsOf(phase).forEach((pattern, index) => {
        if (removedByCommit && kept.has(pattern)) return;
        const place = placeOf(phase.doc, `${pointer}/${pointerSegment(index)}`);
        entries.push({ pattern, list, phaseId: phase.id, status, file: phase.doc.file, place, ...(removedByCommit ? { removedByCommit } : {}), runPrefixes });
      });
    }
  };
  const stageStarted = (id: string) => (stagesByPhase.get(id) ?? []).some((stage) => stage.status !== 'not-started');
  for (const phase of after) {
    const earlier = before.filter((candidate) => candidate.id === phase.id);
    const started = phase.status !== 'not-started' || earlier.some((candidate) => candidate.status !== 'not-started') || stageStarted(phase.id);
    add(phase, phase.status, started, false, []);
  }
  for (const phase of before) {
    const later = after.filter((candidate) => candidate.id === phase.id);
    const status = later[0]?.status ?? phase.status;
    const started = phase.status !== 'not-started' || later.some((candidate) => candidate.status !== 'not-started') || stageStarted(phase.id);
    add(phase, status, started, later.length > 0, later);
  }
  return entries;
}
