import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stableStringify } from '../config/config.js';
import { type Config } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { RepositoryEvidence, RepositoryModel } from '../model/repository.js';
import { RULES } from '../rules/index.js';
import type { DocumentRule, Rule } from '../rules/types.js';
import { codeFingerprint } from '../util/version.js';
import { RESULT_FILE, RESULT_FILE_INDEX, RESULT_FILE_WITHOUT_EVIDENCE } from './cache-files.js';
import { diagnosticsOf, type RawFinding } from './diagnostics.js';
import { FactsCache } from './facts-cache.js';
import { CacheChangedError, lazyModelFromCache } from './lazy-model.js';
import { loadFacts } from './load-facts.js';
import { modelOf, runRepositoryRules } from './repository-rules.js';
import { knownDigests, readResultFile, savedResult, saveResult, type KnownDigests, type WitnessOf } from './result-cache.js';
import { ReadRecorder } from './read-trace.js';
import { fullRunResult, reusedAsIs, reuseForSuspects } from './reuse.js';
import type { DocumentSource } from './source.js';
import type { FileFacts } from './facts.js';
import type { PathEscape } from '../util/inside-root.js';
import type { FileStamp } from './stamp.js';
import { workerCount } from './worker-pool.js';

export interface ValidateOptions {
  root: string;
  config: Config;
  /** Hash of the configuration; with the code fingerprint it keys the caches. */
  configHash: string;
  /** Fingerprint of the code, part of every cache key; `codeFingerprint()` unless given (tests pin it). */
  toolVersion?: string;
  source: DocumentSource;
  /** Report only on these repository-relative files; the whole repository is still read for cross-file rules. */
  only?: ReadonlySet<string>;
  /** The root's cache folder (`cacheDirOf`); undefined: no cache is read or written (`--no-cache`, or outside git). */
  cacheDir: string | undefined;
  /** Extra rules (history, evidence) that run after the built-in ones. */
  extraRules?: readonly Rule[];
  /** Gate runs and the registry check, for the evidence rules; they skip when absent. */
  evidence?: RepositoryEvidence;
  /**
   * Worker threads that help parse files the cache does not know, besides the main thread. Default 0:
   * on the 2-core benchmark machine a worker did not pay for itself under load (docs/performance.md).
   * Workers are used only for large batches and only when no extra rule is document-scoped (workers
   * run the built-in rules).
   */
  workers?: number;
  /**
   * When a run that reuses the last findings builds the model: before it returns (the default: the
   * commands that judge stages read it), or on first read (`validate`, which reports the findings and
   * builds it only for a git-fed rule that asks). A model built before returning never fails: if
   * another process rewrote the facts cache meanwhile, the run validates in full instead.
   */
  buildModel?: 'now' | 'on-demand';
  /**
   * `extraRules` and `evidence` when the caller is still reading them from git (the history rules,
   * HEAD's history for the runs that count); they take the place of those options. A run that may
   * reuse the last findings waits for them (they are part of its key); a run without a cache parses
   * every document meanwhile, so that git's walk of the history (a process of its own) and the parse
   * overlap.
   */
  later?: Promise<Pick<ValidateOptions, 'extraRules' | 'evidence'>>;
}

export interface ValidationResult {
  diagnostics: Diagnostic[];
  errorCount: number;
  warningCount: number;
  /** Number of documents reported on. */
  fileCount: number;
  /** Number of documents in the repository (reported on or not). */
  documentCount: number;
  /** Built on first access when the run reused the last run's findings (a warm run that needs no model stays fast). */
  model: RepositoryModel;
}

/**
 * Validates every document of a repository. Returns diagnostics; never throws for bad content.
 *
 * A pipeline: list the documents; reuse the last run's findings when nothing they depend on changed,
 * or only documents whose edits change nothing the cross-file rules read of them (reuse.ts; their own
 * findings are made again); else load every document's facts (facts cache, or parse and run the document rules), build the
 * model and run the repository rules, and keep the findings; then run the git-fed rules, and stamp
 * severities on the findings.
 */
export async function validateRepository(options: ValidateOptions): Promise<ValidationResult> {
  const { later, ...now } = options;
  if (!later) return validateNow(now);
  // A run that may reuse the last findings waits for the later inputs: they are part of its key. A run
  // with nothing to reuse (no cache, or a cache folder not made yet: a fresh clone, as in CI) parses
  // every document meanwhile.
  if (now.cacheDir !== undefined && existsSync(now.cacheDir)) return validateNow({ ...now, ...(await later) });
  const files = await now.source.list();
  const cache = now.cacheDir !== undefined ? FactsCache.open(now.cacheDir, factsKeyOf(now)) : undefined;
  const documentRules = RULES.filter((rule): rule is DocumentRule => rule.scope === 'document');
  const [inputs, parsed] = await Promise.all([later, loadFacts(files, now.source, cache, now.config, documentRules, workerCount(now.workers, true))]);
  // An extra document rule (none of git's rules is one) needs the documents parsed with it.
  const early = inputs.extraRules?.some((rule) => rule.scope === 'document') ? undefined : { files, cache, ...parsed };
  return validateNow({ ...now, ...inputs }, early);
}

/** The documents listed and parsed by the built-in rules before the run began (`later`), and the facts cache they went to. */
interface EarlyFacts {
  files: readonly string[];
  cache: FactsCache | undefined;
  facts: FileFacts[];
  stamps: Array<FileStamp | undefined>;
}

/** The key of the facts cache: the code's fingerprint and the configuration. */
function factsKeyOf(options: Pick<ValidateOptions, 'toolVersion' | 'configHash'>): string {
  return `${options.toolVersion ?? codeFingerprint()}:${options.configHash}`;
}

async function validateNow(options: Omit<ValidateOptions, 'later'>, early?: EarlyFacts): Promise<ValidationResult> {
  const { config, source, cacheDir } = options;
  const extraRules = options.extraRules ?? [];
  const rules = [...RULES, ...extraRules];
  const key = factsKeyOf(options);
  // Findings also depend on the gate evidence (done-needs-passing-run, registry-consistent): a new run
  // or an edited registry must never reuse the findings of the last run.
  // HEAD's history is not in the key: the commits the rules ask about are kept with their answers
  // (a commit only adds to the history, so the findings of the run before it can stand).
  const findingsKey = `${key}:${options.evidence ? `${evidenceContentFingerprint(options.evidence)}${options.evidence.history ? ':history' : ''}` : 'none'}`;
  // What vouches for a file's bytes: its stamp in the working tree, its blob id in the index (the hook).
  const witnessOf = witnessesOf(source);
  const resultFile = witnessOf?.kind === 'blob' ? RESULT_FILE_INDEX : options.evidence ? RESULT_FILE : RESULT_FILE_WITHOUT_EVIDENCE;
  // Extra repository rules (history, the index) are fed by git, not by the documents: they run every
  // time and their findings are never stored. Extra document rules would need their own facts cache,
  // so their presence turns reuse (and the workers, which run the built-in rules) off.
  const gitFedRules = extraRules.filter((rule) => rule.scope === 'repository');
  const reusable = !extraRules.some((rule) => rule.scope === 'document');
  const files = early?.files ?? (await source.list());
  // The symlinks of the listing are findings of their own (path-inside-repository): a link added or
  // retargeted, even one that is never read, must not reuse the last run's findings.
  const fileSystem = source.fileSystem?.();
  const linksKey = fileSystem ? createHash('sha256').update(JSON.stringify(fileSystem.linkedDocuments)).digest('hex').slice(0, 16) : 'none';
  const reuseKey = `${findingsKey}:${linksKey}`;

  // 1. Nothing the last run's findings depend on changed (or only what no cross-file rule reads of a
  // few edited documents): its findings stand, and the model is built on demand.
  const place = cacheDir !== undefined ? { cacheDir, name: resultFile, factsKey: key, reuseKey } : undefined;
  // The last run's digests of what the rules read, for a full run to keep those of unchanged files.
  let known: KnownDigests = new Map();
  if (place && reusable && witnessOf) {
    const previous = await readResultFile(place.cacheDir, resultFile);
    const saved = savedResult(previous, place.cacheDir, reuseKey, files, witnessOf, (file) => source.exists(file), (file) => escapeAnswer(fileSystem?.escapeOf(file)), historyOf(options.evidence));
    const reused = saved && (saved.suspects.length === 0 ? reusedAsIs(saved) : await reuseForSuspects(saved, files, source, config, rules, place));
    if (reused) {
      // The kept contract states (the index) answer the protected-path check without a model.
      const answered = reused.contractStates ? { config, contractStates: reused.contractStates } : {};
      const model = lazyModelFromCache({ cacheDir: place.cacheDir, key }, files, reused.shaAt, reused.fresh, (facts) => modelOf(facts, config, rules, source, options.evidence).model, answered);
      const raw = [...reused.findings];
      try {
        runRepositoryRules(gitFedRules, model.onDemand, config, rules, raw);
        if (options.buildModel !== 'on-demand') model.get();
        return resultOf(raw, files, options, rules, model.get);
      } catch (error) {
        // The facts cache changed under this run (concurrent runs): validate in full below.
        if (!(error instanceof CacheChangedError)) throw error;
      }
    }
    known = knownDigests(previous, key);
    // None of its own (the hook's first run, or the first without the evidence): a file with the same
    // bytes and read list has the same digest in any result file of this facts key.
    for (const other of RESULT_FILES) {
      if (known.size > 0) break;
      if (other !== resultFile) known = knownDigests(await readResultFile(place.cacheDir, other), key);
    }
  }

  // 2. The facts of every document, from the facts cache or parsed and checked by the document rules.
  // The facts cache holds the findings of the built-in document rules only: with an extra one, every
  // document is checked again (its facts from the cache would lack that rule's findings).
  const cache = early ? early.cache : cacheDir !== undefined && reusable ? FactsCache.open(cacheDir, key) : undefined;
  const documentRules = rules.filter((rule): rule is DocumentRule => rule.scope === 'document');
  const { facts, stamps } = early ?? (await loadFacts(files, source, cache, config, documentRules, workerCount(options.workers, reusable)));
  // Only a working tree source keeps the cache up to date: a source without stamps (the index) would
  // cost a rewrite of the whole cache on every commit and leave the committed files without stamps.
  if (source.stamp) await cache?.save();

  // 3. The model and the repository rules, recording every existence and containment check they make.
  const answers = new Map<string, boolean>();
  const escapes = new Map<string, string>();
  const recordingSource: Pick<DocumentSource, 'exists' | 'fileSystem'> = {
    exists: (relativePath: string) => {
      const answer = source.exists(relativePath);
      answers.set(relativePath, answer);
      return answer;
    },
    ...(fileSystem
      ? {
          fileSystem: () => ({
            linkedDocuments: fileSystem.linkedDocuments,
            escapeOf: (relativePath: string) => {
              const escape = fileSystem.escapeOf(relativePath);
              escapes.set(relativePath, escapeAnswer(escape));
              return escape;
            },
          }),
        }
      : {}),
  };
  // What the repository rules read of each document is recorded when the result is kept (reuse.ts).
  const witnesses = witnessOf?.kind === 'blob' ? files.map((file) => witnessOf.of(file)) : stamps;
  const keeping = cache !== undefined && reusable && witnessOf !== undefined && witnesses.every((witness) => witness !== undefined);
  const recorder = keeping ? new ReadRecorder() : undefined;
  const checked = modelOf(facts, config, rules, recordingSource, options.evidence, recorder);
  const { model, raw } = checked;
  const findings: RawFinding[] = [];
  runRepositoryRules(RULES, checked.watched ?? model, config, rules, findings);
  raw.push(...findings);

  // 4. The findings kept for the next run, only with a facts file that holds every file (an entry
  // found damaged is left out of it).
  if (keeping && recorder && files.every((file) => cache.shaOf(file) !== undefined)) {
    const result = fullRunResult(files, facts, (file) => cache.shaOf(file)!, { kind: witnessOf!.kind, list: witnesses as Array<FileStamp | string> }, recorder, known, { ...checked, findings, exists: answers, escapes, historyKey: options.evidence?.historyKey });
    if (result) await saveResult(cacheDir!, resultFile, reuseKey, key, result);
  }

  // 5. The git-fed rules, never kept; then severities.
  runRepositoryRules(gitFedRules, model, config, rules, raw);
  return resultOf(raw, files, options, rules, () => model);
}

/** Every result file, in the order a run without one of its own borrows their digests. */
const RESULT_FILES = [RESULT_FILE, RESULT_FILE_WITHOUT_EVIDENCE, RESULT_FILE_INDEX] as const;

/** How the source vouches for a file's bytes between runs: stamps (the working tree), else blob ids (the index); undefined: it cannot. */
function witnessesOf(source: DocumentSource): WitnessOf | undefined {
  if (source.stamp) return { kind: 'stamp', of: (file) => source.stamp!(file) };
  if (source.blobId) return { kind: 'blob', of: (file) => source.blobId!(file) };
  return undefined;
}

/** HEAD's history as the result cache checks it: membership, and the HEAD it was read at. */
function historyOf(evidence: RepositoryEvidence | undefined): Pick<ReadonlySet<string>, 'has'> & { key: string | undefined } {
  const history = evidence?.history;
  return { has: (commit) => history?.has(commit) ?? false, key: evidence?.historyKey };
}

/** A containment answer as the result cache keeps it: the escape as JSON (target included), `''` for inside. */
function escapeAnswer(escape: PathEscape | undefined): string {
  return escape ? JSON.stringify(escape) : '';
}

/** What of the evidence the rules can see, as a short hash; `none` when it was not loaded. */
export function evidenceFingerprint(evidence: RepositoryEvidence | undefined): string {
  if (!evidence) return 'none';
  // The runs that count depend on HEAD's history too (model/progression.ts).
  const history = evidence.history ? `:${evidence.historyKey ?? [...evidence.history].sort().join(',')}` : '';
  return `${evidenceContentFingerprint(evidence)}${history}`;
}

function evidenceContentFingerprint(evidence: RepositoryEvidence): string {
  if (evidence.fingerprint) return evidence.fingerprint;
  const runs = evidence.runs.map((run) => [run.runId, run.reportSha256 ?? null, run.problem ?? null]);
  return createHash('sha256').update(stableStringify({ runs, registry: evidence.registry })).digest('hex').slice(0, 16);
}

/** The diagnostics and counts; `model` is built when a caller first reads it. */
export function resultOf(raw: readonly RawFinding[], files: readonly string[], options: Pick<ValidateOptions, 'config' | 'only'>, rules: readonly Rule[], model: () => RepositoryModel): ValidationResult {
  const { only } = options;
  const diagnostics = diagnosticsOf(raw, options.config, rules, only);
  return {
    diagnostics,
    errorCount: diagnostics.filter((d) => d.severity === 'error').length,
    warningCount: diagnostics.filter((d) => d.severity === 'warning').length,
    fileCount: only ? files.filter((file) => only.has(file)).length : files.length,
    documentCount: files.length,
    get model() {
      return model();
    },
  };
}
