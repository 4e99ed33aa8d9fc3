import { type Config } from '../model/config.js';
import type { DocumentRule, Rule } from '../rules/types.js';
import type { RawFinding } from './diagnostics.js';
import { factsOf, type FileFacts } from './facts.js';
import { contentHash, FactsCache, gitBlobId } from './facts-cache.js';
import { readDigest, type ReadList, type ReadRecorder } from './read-trace.js';
import { saveResult, type KnownDigests, type ResultToSave, type SavedResult, type StampedFile } from './result-cache.js';
import { ownFindingsOf } from './repository-rules.js';
import type { DocumentSource } from './source.js';
import { storedStamp, type FileStamp } from './stamp.js';

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
 * The result a full run keeps: each file with its content hash, stamp, what the repository rules
 * read of it (`recorder`) and the hash of those values (the last run's, `known`, for a file with the
 * same bytes and read list), and the findings apart by file.
 */
export function fullRunResult(
  files: readonly string[],
  facts: readonly FileFacts[],
  shaOf: (file: string) => string,
  stamps: readonly FileStamp[],
  recorder: ReadRecorder,
  known: KnownDigests,
  checked: { ownFindings: RawFinding[][]; schemaInvalid: ReadonlySet<string>; findings: RawFinding[]; exists: Map<string, boolean>; escapes: Map<string, string>; historyKey: string | undefined },
): ResultToSave | undefined {
  const history = recorder.historyAnswers();
  // The rules read the whole history of a HEAD git did not name: nothing to keep the findings for.
  if (!history && checked.historyKey === undefined) return undefined;
  const lists = new Map<ReadList, number>();
  const stamped: StampedFile[] = [];
  for (const [index, file] of files.entries()) {
    const list = recorder.readsOf(file);
    let listIndex = lists.get(list);
    if (listIndex === undefined) lists.set(list, (listIndex = lists.size));
    const sha = shaOf(file);
    const before = known.get(file);
    const digest = before && before.sha === sha && before.reads === list ? before.digest : readDigest(facts[index]!.doc, list, !checked.schemaInvalid.has(file));
    if (digest === undefined) return undefined;
    stamped.push([file, sha, storedStamp(stamps[index]!), listIndex, digest]);
  }
  return {
    files: stamped,
    reads: [...lists.keys()],
    exists: Object.fromEntries(checked.exists),
    escapes: Object.fromEntries(checked.escapes),
    history: Object.fromEntries(history ?? []),
    historyKey: history ? null : (checked.historyKey ?? null),
    documentFindings: new Map(checked.ownFindings.flatMap((own, index) => (own.length > 0 ? [[index, own] as const] : []))),
    findings: checked.findings,
  };
}

/**
 * The last run's findings for a repository in which only the suspect files (stamps changed or racy)
 * may differ: each is read and hashed; one with new bytes is parsed and checked by the document rules,
 * and its findings replace its own; the repository rules' findings stand when every such file gives
 * the same values to what those rules read of it (read-trace.ts). The new facts go to the facts
 * cache's delta file and the result file is updated, so the next run reuses all of it. Undefined when
 * a changed file changed what the rules read, or the delta is full: the caller validates in full.
 */
export async function reuseForSuspects(
  saved: SavedResult,
  source: DocumentSource,
  config: Config,
  rules: readonly Rule[],
  place: ResultPlace,
): Promise<{ findings: RawFinding[]; shas: Map<string, string> } | undefined> {
  const documentRules = rules.filter((rule): rule is DocumentRule => rule.scope === 'document');
  const files = saved.files.map((entry): StampedFile => [...entry]);
  const documentFindings = new Map(saved.documentFindings);
  const changed: Array<{ file: string; sha: string; facts: FileFacts; stamp: FileStamp | undefined; blob: string }> = [];
  for (const index of saved.suspects) {
    const [file, oldSha, , listIndex, digest] = files[index]!;
    // The listing's stamp, taken before the read: a write after it changes the stamp again.
    const stamp = source.stamp?.(file);
    if (!stamp) return undefined;
    const bytes = await source.read(file);
    const sha = contentHash(bytes);
    files[index] = [file, sha, storedStamp(stamp), listIndex, digest];
    if (sha === oldSha) continue;
    const facts = await factsOf(file, bytes, config, documentRules);
    const { own, schemaValid } = ownFindingsOf(facts, config, rules);
    if (readDigest(facts.doc, saved.reads[listIndex]!, schemaValid) !== digest) return undefined;
    documentFindings.set(index, own);
    changed.push({ file, sha, facts, stamp, blob: gitBlobId(bytes) });
  }
  if (changed.length > 0 && !(await FactsCache.amend(place.cacheDir, place.factsKey, changed, files.length))) return undefined;
  const result: ResultToSave = { files, reads: saved.reads, exists: saved.exists, escapes: saved.escapes, history: saved.history, historyKey: saved.historyKey, documentFindings, findings: saved.findings };
  await saveResult(place.cacheDir, place.name, place.reuseKey, place.factsKey, result);
  return { findings: allFindingsOf(result), shas: new Map(files.map(([file, sha]) => [file, sha])) };
}

/** The findings in the order a full run makes them: each file's own in the order of the files, then the repository rules'. */
export function allFindingsOf(result: Pick<ResultToSave, 'documentFindings' | 'findings'>): RawFinding[] {
  const indexes = [...result.documentFindings.keys()].sort((a, b) => a - b);
  return [...indexes.flatMap((index) => result.documentFindings.get(index)!), ...result.findings];
}
