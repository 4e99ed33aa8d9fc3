import { entryPhasesOf, phaseExit, placeOf, pointerSegment, type PhaseFrontmatter, type StageFrontmatter } from './documents.js';
import type { Position } from './diagnostic.js';
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
  return problems;
}

/** The entry facts `validate` has: upstream phases by their status, paths by the repository's files; globs are left to commands that can list files. */
export function documentEntryFacts(model: RepositoryModel): EntryFacts {
  const phases = new Map(model.phases.map((phase) => [phase.data.id, phase.data.status]));
  return {
    phaseCleared: (id) => phases.get(id) === 'done',
    fileExists: (pattern) => (isGlobPattern(pattern) ? undefined : model.exists(pattern)),
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
  return {
    doc: phase.doc,
    data: {
      id: phase.data.id,
      kind: 'stage',
      title: phase.data.title,
      phase: phase.data.id,
      order: 0,
      status: phase.data.status,
      gates: exit.gates ?? [],
      ...(exit.produces ? { produces: exit.produces } : {}),
    },
  };
}

/** One protected pattern of a phase, where it is written, and the gate runs that may change it. */
export interface PhaseProtectedEntry {
  pattern: string;
  phase: Typed<PhaseFrontmatter>;
  place: Position;
  /** Run-folder prefixes (`gate_results/<id>_`) of the phase's stages and of the phase itself: evidence of one of them in the same commit lets the paths change. */
  runPrefixes: string[];
}

/**
 * The `protected` patterns of every phase that has started (it, or one of its stages, is past
 * `not-started`): they hold for the phase's whole life and after, so a commit may change them only
 * together with a gate run's evidence of the phase (generated outputs change through gate runs).
 * What the protected-path check of the hook (and of `validate --range`) adds to the stages' own.
 */
export function phaseProtectedEntries(model: RepositoryModel): PhaseProtectedEntry[] {
  const gateResults = model.config.paths.gate_results.replace(/\\/g, '/').replace(/\/+$/, '');
  const entries: PhaseProtectedEntry[] = [];
  for (const phase of model.phases) {
    const patterns = phase.data.protected ?? [];
    if (patterns.length === 0) continue;
    const stages = model.stages.filter((stage) => stage.data.phase === phase.data.id);
    const started = phase.data.status !== 'not-started' || stages.some((stage) => stage.data.status !== 'not-started');
    if (!started) continue;
    const runPrefixes = [phase.data.id, ...stages.map((stage) => stage.data.id)].map((id) => `${gateResults}/${id}_`);
    patterns.forEach((pattern, index) => entries.push({ pattern, phase, place: placeOf(phase.doc, `/protected/${pointerSegment(index)}`), runPrefixes }));
  }
  return entries;
}
