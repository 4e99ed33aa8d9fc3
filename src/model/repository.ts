import { type Config } from './config.js';
import { type RunFolder, type RegistryCheck } from './evidence.js';
import type { ParsedDocument, StageFrontmatter, PhaseFrontmatter, DecisionFrontmatter, FreezeFile, ContractFile } from './documents.js';
import { contractStateOf, contractStatesOf, type ContractStates } from './contract-states.js';
import { compareStrings } from './diagnostic.js';
import type { PathEscape } from '../util/inside-root.js';

/**
 * A symbolic link where documents are listed (a document, or a folder of them), as the listing found
 * it: read through when it stays inside the repository, never read when it leaves it.
 */
export interface LinkedDocument {
  /** Repository-relative path of the link. */
  file: string;
  /** The link is a folder of documents rather than one document. */
  folder: boolean;
  /** How the link leaves the repository; absent when it stays inside (and was read through). */
  escape?: PathEscape;
  /** The link points at nothing (inside the repository): there is nothing to read. */
  dangling?: boolean;
}

/** What the file system says about paths, beyond their existence: for the rule that keeps paths inside the repository. */
export interface FileSystemFacts {
  /** Symlinks found where documents are listed, sorted by path. */
  linkedDocuments: readonly LinkedDocument[];
  /** Why a repository-relative path leaves the repository on the file system (lexically or through a symlink), if it does. */
  escapeOf(relativePath: string): PathEscape | undefined;
}

/** The gate evidence of the repository, for rules about runs (loaded by `validate`, absent in the hook). */
export interface RepositoryEvidence {
  runs: RunFolder[];
  registry: RegistryCheck;
  /** A hash that changes whenever the runs or the registry check do, when the loader knows one (the evidence cache's text). */
  fingerprint?: string;
  /** Every commit reachable from HEAD, when the caller read it (`git rev-list HEAD`): a run counts only at one of them. */
  history?: ReadonlySet<string>;
  /** What names `history` in cache keys: the HEAD commit it was read at. */
  historyKey?: string;
}

/** A contract with where it comes from: a repository file, or one shipped with stagedocs (model/contracts.ts). */
export interface KnownContract {
  data: ContractFile;
  /** Repository-relative path of the file, or the package path of a built-in (`templates/contracts/<id>.yaml`). */
  file: string;
  builtin: boolean;
}

/** A document whose frontmatter passed its schema, with its data typed. */
export interface Typed<T> {
  doc: ParsedDocument;
  data: T;
}

/**
 * The repository as the cross-file rules see it: every parsed document, and the valid ones indexed by
 * id. Documents whose frontmatter failed its schema are not indexed (their own diagnostics say why),
 * so cross-file rules never trip over malformed data.
 */
export interface RepositoryModel {
  config: Config;
  documents: ParsedDocument[];
  phases: Array<Typed<PhaseFrontmatter>>;
  stages: Array<Typed<StageFrontmatter>>;
  decisions: Array<Typed<DecisionFrontmatter>>;
  freezes: Array<Typed<FreezeFile>>;
  /** The repository's contract files whose content passed their schema. */
  contracts: Array<Typed<ContractFile>>;
  /** What the per-commit check of protected paths reads of every stage and phase document (built on first read). */
  readonly contractStates: ContractStates;
  /** The contracts shipped with stagedocs, when the loader read them; a repository file of the same id replaces one (model/contracts.ts). */
  builtinContracts?: readonly KnownContract[];
  /** Whether a repository-relative path exists (file or folder). */
  exists(relativePath: string): boolean;
  /** Gate runs and the registry check; undefined when the caller did not load them (rules then skip). */
  evidence?: RepositoryEvidence;
  /** Symlinks and real paths, when the documents come from a file system (the working tree); rules that need them check lexically only without. */
  fileSystem?: FileSystemFacts;
}

export function buildModel(
  config: Config,
  documents: ParsedDocument[],
  isSchemaValid: (doc: ParsedDocument) => boolean,
  exists: (relativePath: string) => boolean,
  evidence?: RepositoryEvidence,
  fileSystem?: FileSystemFacts,
  builtinContracts?: readonly KnownContract[],
): RepositoryModel {
  const sorted = [...documents].sort((a, b) => compareStrings(a.file, b.file));
  let contractStates: ContractStates | undefined;
  const ofKind = <T>(kind: ParsedDocument['kind']): Array<Typed<T>> =>
    sorted.filter((doc) => doc.kind === kind && doc.data && isSchemaValid(doc)).map((doc) => ({ doc, data: doc.data as T }));
  return {
    config,
    documents: sorted,
    phases: ofKind<PhaseFrontmatter>('phase'),
    stages: ofKind<StageFrontmatter>('stage'),
    decisions: ofKind<DecisionFrontmatter>('decision'),
    freezes: ofKind<FreezeFile>('freeze'),
    contracts: ofKind<ContractFile>('contract'),
    get contractStates() {
      // Read by the pre-commit hook's protected-path check only: made once, when first asked for.
      return (contractStates ??= contractStatesOf(sorted.map(contractStateOf)));
    },
    ...(builtinContracts ? { builtinContracts } : {}),
    exists,
    ...(evidence ? { evidence } : {}),
    ...(fileSystem ? { fileSystem } : {}),
  };
}

/** Stages of a phase in their order. */
export function stagesOfPhase(repo: RepositoryModel, phaseId: string): Array<Typed<StageFrontmatter>> {
  return [...(phaseIndex(repo).get(phaseId) ?? [])];
}

/**
 * The elements of a model list under each key, in the list's order, built once per list and key: rules
 * and reports look ids up for every stage, and a scan per lookup made them quadratic (50,000 stages
 * against 5,000 phases took a second). Rebuilt when the list grew or shrank since (a caller that edits
 * a model list in place); `order` sorts each group.
 */
const groupings = new WeakMap<readonly object[], Map<string, { length: number; groups: Map<string, object[]> }>>();

function groupedBy<T extends object>(list: readonly T[], name: string, keysOf: (item: T) => readonly string[], order?: (a: T, b: T) => number): ReadonlyMap<string, readonly T[]> {
  let byName = groupings.get(list);
  if (!byName) groupings.set(list, (byName = new Map()));
  const known = byName.get(name);
  if (known && known.length === list.length) return known.groups as Map<string, T[]>;
  const groups = new Map<string, T[]>();
  for (const item of list) {
    for (const key of new Set(keysOf(item))) {
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
  }
  if (order) for (const group of groups.values()) group.sort(order);
  byName.set(name, { length: list.length, groups });
  return groups;
}

/** Stages grouped by phase, each group in its order: rules ask for every stage's siblings. */
function phaseIndex(repo: Pick<RepositoryModel, 'stages'>): ReadonlyMap<string, readonly Typed<StageFrontmatter>[]> {
  return groupedBy(repo.stages, 'phase', (stage) => [stage.data.phase], (a, b) => a.data.order - b.data.order || compareStrings(a.data.id, b.data.id));
}

/** The phase of this id (the first by file when ids repeat, which unique-id reports). */
export function phaseById(repo: Pick<RepositoryModel, 'phases'>, id: string): Typed<PhaseFrontmatter> | undefined {
  return groupedBy(repo.phases, 'id', (phase) => [phase.data.id]).get(id)?.[0];
}

/** The stage of this id (the first by file when ids repeat, which unique-id reports). */
export function stageById(repo: Pick<RepositoryModel, 'stages'>, id: string): Typed<StageFrontmatter> | undefined {
  return groupedBy(repo.stages, 'id', (stage) => [stage.data.id]).get(id)?.[0];
}

/** The decision note of this tag (the first by file when tags repeat, which unique-id reports). */
export function decisionByTag(repo: Pick<RepositoryModel, 'decisions'>, tag: string): Typed<DecisionFrontmatter> | undefined {
  return groupedBy(repo.decisions, 'tag', (decision) => [decision.data.decision_tag]).get(tag)?.[0];
}

/** The decision notes whose `stages` name this stage, by file. */
export function decisionsNamingStage(repo: Pick<RepositoryModel, 'decisions'>, stageId: string): readonly Typed<DecisionFrontmatter>[] {
  return groupedBy(repo.decisions, 'stages', (decision) => decision.data.stages ?? []).get(stageId) ?? [];
}

/** The freeze files whose `stage` is this stage, by file. */
export function freezesOfStage(repo: Pick<RepositoryModel, 'freezes'>, stageId: string): readonly Typed<FreezeFile>[] {
  return groupedBy(repo.freezes, 'stage', (freeze) => [freeze.data.stage]).get(stageId) ?? [];
}

/** The freeze file at this repository-relative path, when it passed its schema. */
export function freezeAt(repo: Pick<RepositoryModel, 'freezes'>, file: string): Typed<FreezeFile> | undefined {
  return groupedBy(repo.freezes, 'file', (freeze) => [freeze.doc.file]).get(file)?.[0];
}

/**
 * What a stage depends on: its `depends_on`, or by default the previous stage of its phase.
 * Returns ids; unknown ids are reported by `unknown-reference`.
 */
export function dependenciesOf(repo: RepositoryModel, stage: StageFrontmatter): string[] {
  if (stage.depends_on) return stage.depends_on;
  // The last sibling ordered before it; never itself: a copied stage with the same id is unique-id's
  // finding, not a dependency cycle. Read in place: rules ask this for every stage.
  const siblings = phaseIndex(repo).get(stage.phase) ?? [];
  for (let index = siblings.length - 1; index >= 0; index--) {
    const other = siblings[index]!.data;
    if (other.order < stage.order && other.id !== stage.id) return [other.id];
  }
  return [];
}
