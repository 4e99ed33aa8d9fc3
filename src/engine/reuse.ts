import { type Config } from '../model/config.js';
import type { DocumentRule, Rule } from '../rules/types.js';
import type { RawFinding } from './diagnostics.js';
import { factsOf, type FileFacts } from './facts.js';
import { contentHash, FactsCache, gitBlobId } from './facts-cache.js';
import { readDigest, type ReadList, type ReadRecorder } from './read-trace.js';
import { KeptFiles, type KeptFile, type Witness } from './kept-files.js';
import { saveResult, type KnownDigests, type ResultToSave, type SavedResult, type WitnessOf } from './result-cache.js';
import { ownFindingsOf } from './repository-rules.js';
import type { DocumentSource } from './source.js';
import { storedStamp, type FileStamp } from './stamp.js';
import { contractStateOf, contractStatesOf, type ContractState, type ContractStates } from '../model/contract-states.js';

/** Where the result file is and what keys it. */
interface ResultPlace {
  cacheDir: string;
  /** The result file's name (with or without the gate evidence). */
  name: string;
  /** Key of the facts cache: the code's fingerprint and the configuration. */
  factsKey: string;
  /** Key of the findings: the facts key, the evidence and the links. */
  reuseKey: string;
}

/**
 * The result a full run keeps: each file with its content hash, witness, what the repository rules
 * read of it (`recorder`) and the hash of those values (the last run's, `known`, for a file with the
 * same bytes and read list), and the findings apart by file. For the index (blob ids as witnesses)
 * also what the protected-path check reads of each stage and phase document, so that the hook's
 * next run needs no model.
 */
export function fullRunResult(
  files: readonly string[],
  facts: readonly FileFacts[],
  shaOf: (file: string) => string,
  witnesses: { kind: WitnessOf['kind']; list: readonly (FileStamp | string)[] },
  recorder: ReadRecorder,
  known: KnownDigests,
  checked: { ownFindings: RawFinding[][]; schemaInvalid: ReadonlySet<string>; findings: RawFinding[]; exists: Map<string, boolean>; escapes: Map<string, string>; historyKey: string | undefined },
): ResultToSave | undefined {
  const history = recorder.historyAnswers();
  // The rules read the whole history of a HEAD git did not name: nothing to keep the findings for.
  if (!history && checked.historyKey === undefined) return undefined;
  const lists = new Map<ReadList, number>();
  const kept: KeptFile[] = [];
  for (const [index, file] of files.entries()) {
    const list = recorder.readsOf(file);
    let listIndex = lists.get(list);
    if (listIndex === undefined) lists.set(list, (listIndex = lists.size));
    const sha = shaOf(file);
    const before = known.get(file);
    const digest = before && before.sha === sha && before.reads === list ? before.digest : readDigest(facts[index]!.doc, list, !checked.schemaInvalid.has(file));
    if (digest === undefined) return undefined;
    kept.push({ sha, witness: witnessToKeep(witnesses.list[index]!), reads: listIndex, digest });
  }
  const keptFiles = KeptFiles.of(files, kept, witnesses.kind);
  if (!keptFiles) return undefined;
  return {
    files: keptFiles,
    reads: [...lists.keys()],
    exists: Object.fromEntries(checked.exists),
    escapes: Object.fromEntries(checked.escapes),
    history: Object.fromEntries(history ?? []),
    historyKey: history ? null : (checked.historyKey ?? null),
    documentFindings: new Map(checked.ownFindings.flatMap((own, index) => (own.length > 0 ? [[index, own] as const] : []))),
    findings: checked.findings,
    ...(witnesses.kind === 'blob' ? { contractStates: statesByIndex(facts) } : {}),
  };
}

function witnessToKeep(witness: FileStamp | string): Witness {
  return typeof witness === 'string' ? witness : storedStamp(witness);
}

/** The contract states of the documents that have one, by index. */
function statesByIndex(facts: readonly FileFacts[]): Map<number, ContractState> {
  const states = new Map<number, ContractState>();
  facts.forEach((fact, index) => {
    const state = contractStateOf(fact.doc);
    if (state) states.set(index, state);
  });
  return states;
}

/** What a reused run hands on: the findings, each file's content hash, the facts it parsed, and the kept contract states (the index). */
export interface Reused {
  findings: RawFinding[];
  /** The content hash of the file at an index of the listing. */
  shaAt(index: number): string;
  /** The facts of the files parsed in this run, by file: the model, if a rule asks for it, takes them rather than the facts cache. */
  fresh: Map<string, FileFacts>;
  contractStates?: ContractStates;
}

/** The last run's result reused as it is: nothing it depends on changed. */
export function reusedAsIs(saved: SavedResult): Reused {
  return { findings: allFindingsOf(saved), shaAt: (index) => saved.files.sha(index), fresh: new Map(), ...statesOf(saved.contractStates) };
}

function statesOf(states: ReadonlyMap<number, ContractState> | undefined): { contractStates?: ContractStates } {
  return states ? { contractStates: contractStatesOf([...states].sort(([a], [b]) => a - b).map(([, state]) => state)) } : {};
}

/**
 * The last run's findings for a repository in which only the suspect files (stamps changed or racy,
 * or blob ids changed) may differ: each is read and hashed; one with new bytes is parsed and checked
 * by the document rules, and its findings (and contract state) replace its own; the repository
 * rules' findings stand when every such file gives the same values to what those rules read of it
 * (read-trace.ts). For the working tree the new facts go to the facts cache's delta file, so that the
 * model can be built from the cache; the index never writes the facts cache (its blobs are not the
 * working tree's files), its new facts are handed on. The result file is updated, so the next run
 * reuses all of it. Undefined when a changed file changed what the rules read, or the delta is full:
 * the caller validates in full.
 */
export async function reuseForSuspects(
  saved: SavedResult,
  files: readonly string[],
  source: DocumentSource,
  config: Config,
  rules: readonly Rule[],
  place: ResultPlace,
): Promise<Reused | undefined> {
  const documentRules = rules.filter((rule): rule is DocumentRule => rule.scope === 'document');
  const updated = new Map<number, KeptFile>();
  const documentFindings = new Map(saved.documentFindings);
  const contractStates = saved.contractStates && new Map(saved.contractStates);
  const fresh = new Map<string, FileFacts>();
  const changed: Array<{ file: string; sha: string; facts: FileFacts; stamp: FileStamp | undefined; blob: string }> = [];
  for (const index of saved.suspects) {
    const file = files[index]!;
    const oldSha = saved.files.sha(index);
    const listIndex = saved.files.reads(index);
    const digest = saved.files.digest(index);
    // The listing's stamp (or blob id), taken before the read: a write after it changes the stamp again.
    const witness = saved.files.kind === 'stamp' ? source.stamp?.(file) : source.blobId?.(file);
    if (!witness) return undefined;
    const bytes = await source.read(file);
    const sha = contentHash(bytes);
    updated.set(index, { sha, witness: witnessToKeep(witness), reads: listIndex, digest });
    if (sha === oldSha) continue;
    const facts = await factsOf(file, bytes, config, documentRules);
    const { own, schemaValid } = ownFindingsOf(facts, config, rules);
    if (readDigest(facts.doc, saved.reads[listIndex]!, schemaValid) !== digest) return undefined;
    documentFindings.set(index, own);
    fresh.set(file, facts);
    const state = contractStates && contractStateOf(facts.doc);
    if (state) contractStates!.set(index, state);
    else contractStates?.delete(index);
    // Only the working tree's new facts go to the facts cache (see above).
    if (typeof witness !== 'string') changed.push({ file, sha, facts, stamp: witness, blob: gitBlobId(bytes) });
  }
  if (changed.length > 0 && !(await FactsCache.amend(place.cacheDir, place.factsKey, changed, saved.files.count))) return undefined;
  const kept = saved.files.with(updated);
  const result: ResultToSave = {
    files: kept,
    reads: saved.reads,
    exists: saved.exists,
    escapes: saved.escapes,
    history: saved.history,
    historyKey: saved.historyKey,
    documentFindings,
    findings: saved.findings,
    ...(contractStates ? { contractStates } : {}),
  };
  await saveResult(place.cacheDir, place.name, place.reuseKey, place.factsKey, result);
  return { findings: allFindingsOf(result), shaAt: (index) => kept.sha(index), fresh, ...statesOf(contractStates) };
}

/** The findings in the order a full run makes them: each file's own in the order of the files, then the repository rules'. */
export function allFindingsOf(result: Pick<ResultToSave, 'documentFindings' | 'findings'>): RawFinding[] {
  const indexes = [...result.documentFindings.keys()].sort((a, b) => a - b);
  return [...indexes.flatMap((index) => result.documentFindings.get(index)!), ...result.findings];
}
