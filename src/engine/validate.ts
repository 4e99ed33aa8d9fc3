import { type Config } from '../model/config.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { stableStringify } from '../config/config.js';
import { compareDiagnostics, type Diagnostic, type Finding, type Severity } from '../model/diagnostic.js';
import { RULES } from '../rules/index.js';
import type { DocumentRule, Rule } from '../rules/types.js';
import { CACHE_DIR, contentHash, FactsCache, gitBlobId, type FileFacts, type FileStamp } from './cache.js';
import { buildModel, type RepositoryEvidence, type RepositoryModel } from '../model/repository.js';
import { optionsOf } from './rule-options.js';
import { RESULT_FILE, RESULT_FILE_WITHOUT_EVIDENCE, reusableFindings, saveFindings, type RawFinding, type StampedFile } from './result-cache.js';
import type { DocumentSource } from './source.js';
import { BUILD_ROOT } from '../util/version.js';

export interface ValidateOptions {
  root: string;
  config: Config;
  /** Hash of the configuration; with the tool version it keys the cache. */
  configHash: string;
  toolVersion: string;
  source: DocumentSource;
  /** Report only on these repository-relative files; the whole repository is still read for cross-file rules. */
  only?: ReadonlySet<string>;
  useCache: boolean;
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

const SCHEMA_RULES = new Set(['readable-file', 'frontmatter-syntax', 'frontmatter-schema']);

/** Validates every document of a repository. Returns diagnostics; never throws for bad content. */
export async function validateRepository(options: ValidateOptions): Promise<ValidationResult> {
  const { config, source } = options;
  const rules = [...RULES, ...(options.extraRules ?? [])];
  const documentRules = rules.filter((rule): rule is DocumentRule => rule.scope === 'document');
  const key = `${options.toolVersion}:${options.configHash}`;
  // Findings also depend on the gate evidence (done-needs-passing-run, registry-consistent): a new run
  // or an edited registry must never reuse the findings of the last run.
  const findingsKey = `${key}:${evidenceFingerprint(options.evidence)}`;
  const resultFile = options.evidence ? RESULT_FILE : RESULT_FILE_WITHOUT_EVIDENCE;
  const files = await source.list();

  // Extra repository rules (history, the index) are fed by git, not by the documents: they run every
  // time and their findings are never stored. Extra document rules would need their own facts cache,
  // so their presence turns reuse off.
  const extraRepositoryRules = (options.extraRules ?? []).filter((rule) => rule.scope === 'repository');
  const reusable = !(options.extraRules ?? []).some((rule) => rule.scope === 'document');

  // Nothing changed since the last whole run: its findings stand, and the model is built on demand.
  const stampOf = source.stamp;
  if (options.useCache && reusable && stampOf) {
    const reused = await reusableFindings(options.root, resultFile, findingsKey, files, (file) => stampOf.call(source, file), (file) => source.exists(file));
    if (reused) {
      let model: RepositoryModel | undefined;
      const lazyModel = (): RepositoryModel => {
        if (!model) {
          const cache = FactsCache.open(options.root, key);
          const facts = files.map((file) => {
            const known = cache.get(file, reused.shas.get(file)!);
            // The facts file was verified unchanged since the run that wrote both files.
            if (!known) throw new Error(`The validate cache in ${CACHE_DIR}/ changed while in use; run \`stagedocs validate --no-cache\`.`);
            return known;
          });
          model = modelOf(facts, config, rules, source, options.evidence).model;
        }
        return model;
      };
      const raw = [...reused.findings];
      // A rule that never reads the model (git-fed ones) never causes it to be built.
      const onDemand = new Proxy({} as RepositoryModel, { get: (_target, property) => Reflect.get(lazyModel(), property) });
      runRepositoryRules(extraRepositoryRules, onDemand, config, rules, raw);
      return finish(raw, files, options, rules, lazyModel);
    }
  }

  const cache = options.useCache ? FactsCache.open(options.root, key) : undefined;
  const facts = new Array<FileFacts>(files.length);
  const stamps = new Array<FileStamp | undefined>(files.length);
  // Most files are found by stamp or blob id without reading them; only the others are read (in one
  // turn, so that an index source batches them into one git process), hashed and looked up by hash.
  const unknown: number[] = [];
  files.forEach((file, index) => {
    const stamp = cache ? source.stamp?.(file) : undefined;
    stamps[index] = stamp;
    const blob = cache && !stamp ? source.blobId?.(file) : undefined;
    const unchanged = stamp ? cache?.getByStamp(file, stamp) : blob ? cache?.getByBlob(file, blob) : undefined;
    if (unchanged) facts[index] = unchanged;
    else unknown.push(index);
  });
  const pending: Array<{ index: number; file: string; bytes: Uint8Array; sha: string; stamp: FileStamp | undefined }> = [];
  await Promise.all(
    unknown.map(async (index) => {
      const file = files[index]!;
      const bytes = await source.read(file);
      const sha = contentHash(bytes);
      const cached = cache?.get(file, sha, stamps[index]);
      if (cached) facts[index] = cached;
      else pending.push({ index, file, bytes, sha, stamp: stamps[index] });
    }),
  );
  const onlyBuiltIn = !(options.extraRules ?? []).some((rule) => rule.scope === 'document');
  const workers = onlyBuiltIn ? Math.min(options.workers ?? 0, availableParallelism() - 1, 3) : 0;
  const computed = await computeFacts(pending, config, documentRules, workers);
  pending.forEach((item, k) => {
    facts[item.index] = computed[k]!;
    cache?.set(item.file, item.sha, computed[k]!, item.stamp, gitBlobId(item.bytes));
  });
  // Only a working tree source keeps the cache up to date: a source without stamps (the index) would
  // cost a rewrite of the whole cache on every commit and leave the committed files without stamps.
  if (source.stamp) await cache?.save();

  const answers = new Map<string, boolean>();
  const recordingSource = {
    exists: (relativePath: string) => {
      const answer = source.exists(relativePath);
      answers.set(relativePath, answer);
      return answer;
    },
  };
  const { model, raw } = modelOf(facts, config, rules, recordingSource, options.evidence);
  runRepositoryRules(RULES, model, config, rules, raw);
  // Findings are stored only with a facts file that holds every file (an entry found damaged is left out of it).
  if (cache && reusable && stamps.every((stamp) => stamp !== undefined) && files.every((file) => cache.shaOf(file) !== undefined)) {
    const stamped = files.map((file, index): StampedFile => {
      const stamp = stamps[index]!;
      return [file, cache.shaOf(file)!, stamp.size, stamp.mtimeMs, stamp.ctimeMs, stamp.ino];
    });
    await saveFindings(options.root, resultFile, findingsKey, stamped, answers, raw);
  }
  runRepositoryRules(extraRepositoryRules, model, config, rules, raw);
  return finish(raw, files, options, rules, () => model);
}

/** Runs the repository-scoped rules among `toRun` that are not off, adding their findings to `raw`. */
function runRepositoryRules(toRun: readonly Rule[], model: RepositoryModel, config: Config, rules: readonly Rule[], raw: RawFinding[]): void {
  for (const rule of toRun) {
    if (rule.scope !== 'repository' || severityOf(rule.meta.id, config, rules) === undefined) continue;
    rule.check(model, {
      config,
      options: optionsOf(rule.meta.id, config),
      report: (finding) => raw.push({ ...finding, ruleId: rule.meta.id, file: finding.file ?? '' }),
    });
  }
}

/** The document findings of every file, and the model the repository rules see. */
function modelOf(
  facts: readonly FileFacts[],
  config: Config,
  rules: readonly Rule[],
  source: Pick<DocumentSource, 'exists'>,
  evidence: RepositoryEvidence | undefined,
): { model: RepositoryModel; raw: RawFinding[] } {
  const schemaInvalid = new Set<string>();
  const raw: RawFinding[] = [];
  for (const fact of facts) {
    for (const found of [...fact.problems, ...fact.findings]) {
      raw.push({ ...found, file: found.file ?? fact.doc.file });
      if (SCHEMA_RULES.has(found.ruleId) && severityOf(found.ruleId, config, rules) !== undefined) schemaInvalid.add(fact.doc.file);
    }
  }
  const model = buildModel(config, facts.map((fact) => fact.doc), (doc) => !schemaInvalid.has(doc.file), (relativePath) => source.exists(relativePath), evidence);
  return { model, raw };
}

/** What of the evidence the rules can see, as a short hash; `none` when it was not loaded. */
function evidenceFingerprint(evidence: RepositoryEvidence | undefined): string {
  if (!evidence) return 'none';
  if (evidence.fingerprint) return evidence.fingerprint;
  const runs = evidence.runs.map((run) => [run.runId, run.reportSha256 ?? null, run.problem ?? null]);
  return createHash('sha256').update(stableStringify({ runs, registry: evidence.registry })).digest('hex').slice(0, 16);
}

/** Severities, the `only` filter and the order; `model` is built when a caller first reads it. */
function finish(raw: readonly RawFinding[], files: readonly string[], options: ValidateOptions, rules: readonly Rule[], model: () => RepositoryModel): ValidationResult {
  const { config } = options;
  const diagnostics: Diagnostic[] = [];
  for (const finding of raw) {
    if (options.only && !options.only.has(finding.file)) continue;
    const severity = severityOf(finding.ruleId, config, rules);
    if (!severity) continue;
    diagnostics.push(stamp(finding, severity));
  }
  diagnostics.sort(compareDiagnostics);
  return {
    diagnostics,
    errorCount: diagnostics.filter((d) => d.severity === 'error').length,
    warningCount: diagnostics.filter((d) => d.severity === 'warning').length,
    fileCount: options.only ? files.filter((file) => options.only!.has(file)).length : files.length,
    documentCount: files.length,
    get model() {
      return model();
    },
  };
}

/** Below this many files to parse, starting a worker costs more than it saves. */
const WORKER_THRESHOLD = 400;
const WORKER_SCRIPT = BUILD_ROOT && new URL('engine/facts-worker.js', BUILD_ROOT);

/**
 * The facts of files the cache did not know: on the main thread, and for a large batch also in worker
 * threads, each taking an equal contiguous share. A worker that fails only means its share is
 * computed here, so the result never depends on whether workers ran.
 */
async function computeFacts(
  items: ReadonlyArray<{ file: string; bytes: Uint8Array }>,
  config: Config,
  documentRules: readonly DocumentRule[],
  workers: number,
): Promise<FileFacts[]> {
  if (items.length === 0) return [];
  // The parsers (remark among them) load only when some file has to be parsed: a warm run never does.
  const { factsOf } = await import('./facts.js');
  const local = async (share: ReadonlyArray<{ file: string; bytes: Uint8Array }>) => {
    const facts: FileFacts[] = [];
    for (const { file, bytes } of share) facts.push(await factsOf(file, bytes, config, documentRules));
    return facts;
  };
  // The worker is part of the build; code run from its sources (tests) has none.
  if (workers < 1 || items.length < WORKER_THRESHOLD || !WORKER_SCRIPT || !existsSync(fileURLToPath(WORKER_SCRIPT))) return local(items);
  const script = WORKER_SCRIPT;
  const size = Math.ceil(items.length / (workers + 1));
  const shares = Array.from({ length: workers + 1 }, (_, k) => items.slice(k * size, (k + 1) * size)).filter((share) => share.length > 0);
  const remote = shares.slice(1).map((share) => inWorker(script, share, config).catch(() => local(share)));
  const mine = await local(shares[0]!);
  return [mine, ...(await Promise.all(remote))].flat();
}

function inWorker(script: URL, items: ReadonlyArray<{ file: string; bytes: Uint8Array }>, config: Config): Promise<FileFacts[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { config, items } });
    worker.once('message', (facts: FileFacts[]) => {
      resolve(facts);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`facts worker exited with code ${code}`)));
  });
}

/** The severity a rule's findings get, or undefined when the rule is off. */
function severityOf(ruleId: string, config: Config, rules: readonly Rule[]): Severity | undefined {
  const setting = config.rules[ruleId]?.severity ?? rules.find((rule) => rule.meta.id === ruleId)?.meta.defaultSeverity ?? 'error';
  if (setting === 'off') return undefined;
  return setting === 'warn' ? 'warning' : 'error';
}

function stamp(finding: Finding & { ruleId: string; file: string }, severity: Severity): Diagnostic {
  const diagnostic: Diagnostic = {
    file: finding.file,
    line: Math.max(1, finding.line),
    column: Math.max(1, finding.column),
    ruleId: finding.ruleId,
    severity,
    message: finding.message,
  };
  if (finding.endLine !== undefined) diagnostic.endLine = finding.endLine;
  if (finding.endColumn !== undefined) diagnostic.endColumn = finding.endColumn;
  if (finding.hint) diagnostic.hint = finding.hint;
  diagnostic.docs = `docs/rules/${finding.ruleId}.md`;
  return diagnostic;
}
