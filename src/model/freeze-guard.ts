import { freezePathOf, type FreezeFile, type StageFrontmatter } from './documents.js';
import { dependenciesOf, freezesOfStage, stageById, stagesOfPhase, type RepositoryModel, type Typed } from './repository.js';

/**
 * One frozen input whose content is not what its freeze file recorded: `current` is the sha256 of
 * what git would store for it now, or null when the file is gone (or leaves the repository).
 */
export interface FreezeDrift {
  /** The freeze file, repository-relative. */
  file: string;
  input: string;
  frozen: string;
  current: string | null;
}

/** The sha256 of the content git stores for each path asked about; null for a missing file. */
export type InputHashes = ReadonlyMap<string, string | null>;

/**
 * The freeze files that guard a stage: its own, and that of every stage of its phase it comes after,
 * by order or through `depends_on` (a sub-stage shares its parent's order and depends on it). A
 * freeze fixes the inputs of everything that follows it, not only of the stage that wrote it, so a
 * frozen configuration edited after S0 is refused before S1 runs, and stays guarded after S0 is done.
 */
export function guardingFreezes(model: RepositoryModel, stage: StageFrontmatter): Array<Typed<FreezeFile>> {
  const earlier = new Set<string>([stage.id]);
  for (const sibling of stagesOfPhase(model, stage.phase)) if (sibling.data.order < stage.order) earlier.add(sibling.data.id);
  // Dependencies, transitively: the chain of a sub-stage back to its parent and beyond.
  const pending = [...dependenciesOf(model, stage)];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (earlier.has(id)) continue;
    earlier.add(id);
    const other = stageById(model, id);
    if (other && other.data.phase === stage.phase) pending.push(...dependenciesOf(model, other.data));
  }
  return [...earlier]
    .flatMap((id) => freezesOfStage(model, id).filter((freeze) => freeze.doc.file === freezePathOf(model.config.paths.freeze, id)))
    .sort((a, b) => (a.doc.file < b.doc.file ? -1 : a.doc.file > b.doc.file ? 1 : 0));
}

/** The inputs of a freeze whose current hash differs from the frozen one; inputs not hashed are skipped. */
export function driftOf(file: string, freeze: Pick<FreezeFile, 'inputs'>, hashes: InputHashes): FreezeDrift[] {
  const drift: FreezeDrift[] = [];
  for (const input of Object.keys(freeze.inputs).sort()) {
    if (!hashes.has(input)) continue;
    const current = hashes.get(input)!;
    if (current !== freeze.inputs[input]) drift.push({ file, input, frozen: freeze.inputs[input]!, current });
  }
  return drift;
}

/**
 * How a frozen input differs, in words (the input itself is left to the caller, who quotes it as its
 * output needs): both hashes and the freeze file. `at` says when (`now`, `after commit 1a2b3c4`);
 * `short` cuts the hashes to 12 digits, for status lines.
 */
export function describeDrift(drift: FreezeDrift, options: { at?: string; short?: boolean } = {}): string {
  const at = options.at ?? 'now';
  const hash = (value: string) => (options.short ? value.slice(0, 12) : value);
  const current = drift.current === null ? `the file is missing ${at}` : `sha256 ${at} ${hash(drift.current)}`;
  return `frozen sha256 ${hash(drift.frozen)} in ${drift.file}; ${current}`;
}
