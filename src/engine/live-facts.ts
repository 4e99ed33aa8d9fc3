import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Config } from '../model/config.js';
import type { RepositoryEvidence } from '../model/repository.js';
import { RULES } from '../rules/index.js';
import type { DocumentRule, RepositoryRule } from '../rules/types.js';
import { codeFingerprint } from '../util/version.js';
import type { FileFacts } from './facts.js';
import { contentHash, FactsCache } from './facts-cache.js';
import { cacheDirOf } from '../util/cache-location.js';
import { loadFacts } from './load-facts.js';
import { modelOf, runRepositoryRules } from './repository-rules.js';
import { isDocumentPath, workingTreeSource } from './source.js';
import { fileStamp, racyFrom, storedStamp, unchangedSince, type StoredStamp } from './stamp.js';
import { resultOf, type ValidationResult } from './validate.js';
import { computeFacts } from './worker-pool.js';
import type { RawFinding } from './diagnostics.js';
import { lazyModel } from './lazy-model.js';
import { LiveRuns } from './live-reuse.js';
import { ReadRecorder } from './read-trace.js';

/** The default of `extraRules`: one array, so that runs without extra rules compare equal (live-reuse.ts). */
const NO_RULES: readonly RepositoryRule[] = [];

/** One document as the working tree holds it: the stamp and content hash its facts were made from. */
interface LiveEntry {
  stamp: StoredStamp;
  /** Stamps at or after this time were taken too close to the read to be trusted (see `racyFrom`). */
  racy: number;
  sha: string;
  facts: FileFacts;
}

export interface LiveValidation {
  /** Unsaved text by repository-relative path; a document path not on disk is validated as a new document. */
  overlay: ReadonlyMap<string, string>;
  /** Report only on these files (all when absent); every document is still seen by the cross-file rules. */
  only?: ReadonlySet<string>;
  /** The git-fed rules (history), which run after the built-in ones, as in `validateRepository`. */
  extraRules?: readonly RepositoryRule[];
  /** Gate runs and the registry check, for the evidence rules; they skip when absent. */
  evidence?: RepositoryEvidence;
}

/**
 * The facts of every document of a working tree, kept in memory by a long-lived process (the language
 * server), so that validating an edit costs the edited document's parse and the cross-file rules, not a
 * reload of the repository. Loaded once through the facts cache (in the git directory) (and the cache brought
 * up to date, as `validate` does); then brought up to date by `refresh`, which stats every document (or
 * only the files an editor's watcher named) and reads only those whose stamp changed.
 *
 * `validate` gives exactly what `validateRepository` gives for the working tree with the overlay (the
 * same facts, the same model, the same rules in the same order, the same stamping and sorting): the
 * language server's diagnostics are `stagedocs validate`'s for the same text.
 */
export class LiveFacts {
  private readonly entries = new Map<string, LiveEntry>();
  /** The documents in the order `validateRepository` sees them (sorted), rebuilt when the set changes. */
  private files: string[] = [];
  /** The facts of unsaved texts by file, reused while the text stays the same (other open documents). */
  private readonly unsaved = new Map<string, { text: string; facts: FileFacts }>();
  /** What the rules asked of the disk (produced files, link targets), answered once per refresh. */
  private readonly existing = new Map<string, boolean>();
  private readonly documentRules: DocumentRule[] = RULES.filter((rule): rule is DocumentRule => rule.scope === 'document');
  /** The last full runs of the repository rules, for an edit that changes nothing they read (live-reuse.ts). */
  private readonly runs = new LiveRuns();

  private constructor(
    readonly root: string,
    readonly config: Config,
  ) {}

  /**
   * Reads every document of the working tree through the facts cache, keyed and saved as
   * `validateRepository` keys and saves it (so a `stagedocs validate` afterwards starts warm).
   */
  static async load(options: { root: string; config: Config; configHash: string; toolVersion?: string }): Promise<LiveFacts> {
    const { root, config } = options;
    const live = new LiveFacts(root, config);
    const source = workingTreeSource(root, config);
    const files = await source.list();
    // Outside git there is no cache folder (util/cache-location.ts): every document is read, and each refresh reads them again.
    const cacheDir = cacheDirOf(root);
    const cache = cacheDir !== undefined ? FactsCache.open(cacheDir, `${options.toolVersion ?? codeFingerprint()}:${options.configHash}`) : undefined;
    const readAt = Date.now();
    const { facts, stamps } = await loadFacts(files, source, cache, config, live.documentRules, 0);
    await cache?.save();
    files.forEach((file, index) => {
      // Each stamp was taken before its file was read: a file written since then looks changed, never unchanged.
      const stamp = stamps[index];
      const sha = cache?.shaOf(file);
      // A file without a stamp (gone meanwhile) or a hash (a damaged cache entry) is read again by the next refresh.
      const known = stamp && sha !== undefined;
      live.entries.set(file, { stamp: known ? storedStamp(stamp) : [-1, -1, -1, -1], racy: racyFrom(readAt), sha: known ? sha : '', facts: facts[index]! });
    });
    live.files = [...live.entries.keys()].sort();
    return live;
  }

  /**
   * Brings the facts up to date with the working tree: every document (a walk of the document folders
   * and one stat each), or only `files` (repository-relative paths an editor's watcher reported; new,
   * changed or deleted). Files whose stamp changed are read and hashed, and parsed only when their
   * bytes changed. Returns the files whose facts changed, appeared or went away.
   */
  async refresh(files?: readonly string[]): Promise<string[]> {
    this.existing.clear();
    const candidates = files ?? (await workingTreeSource(this.root, this.config).list());
    const changed: string[] = [];
    if (!files) {
      const listed = new Set(candidates);
      for (const known of [...this.entries.keys()]) {
        if (listed.has(known)) continue;
        this.entries.delete(known);
        changed.push(known);
      }
    }
    const toParse: Array<{ file: string; bytes: Uint8Array; sha: string; stamp: StoredStamp; readAt: number }> = [];
    for (const file of candidates) {
      const absolute = path.join(this.root, file);
      // What `listDocuments` lists: a regular file (never a symlink) at a document path.
      const info = files ? lstatSync(absolute, { throwIfNoEntry: false }) : undefined;
      if (files && (!info?.isFile() || !isDocumentPath(file, this.config))) {
        if (this.entries.delete(file)) changed.push(file);
        continue;
      }
      const stamp = fileStamp(absolute);
      if (!stamp) {
        if (this.entries.delete(file)) changed.push(file);
        continue;
      }
      const known = this.entries.get(file);
      if (known && unchangedSince(known.stamp, stamp, known.racy)) continue;
      const readAt = Date.now();
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(absolute);
      } catch {
        if (this.entries.delete(file)) changed.push(file);
        continue;
      }
      const sha = contentHash(bytes);
      if (known && known.sha === sha) {
        known.stamp = storedStamp(stamp);
        known.racy = racyFrom(readAt);
        continue;
      }
      toParse.push({ file, bytes, sha, stamp: storedStamp(stamp), readAt });
    }
    const computed = await computeFacts(toParse, this.config, this.documentRules, 0);
    toParse.forEach((item, index) => {
      this.entries.set(item.file, { stamp: item.stamp, racy: racyFrom(item.readAt), sha: item.sha, facts: computed[index]! });
      changed.push(item.file);
    });
    if (changed.length > 0) this.files = [...this.entries.keys()].sort();
    return changed.sort();
  }

  /**
   * Validates the working tree as last refreshed, with `overlay`'s texts in place of (or beside) the
   * documents on disk: the unsaved documents are parsed and checked by the document rules, then the
   * model of every document is built and the repository rules run over it, unless one of the last
   * full runs can stand for them (live-reuse.ts).
   */
  async validate(request: LiveValidation): Promise<ValidationResult> {
    const { config } = this;
    const extraRules = request.extraRules ?? NO_RULES;
    const rules = [...RULES, ...extraRules];
    const overlay = new Map([...request.overlay].filter(([file]) => isDocumentPath(file, config)));
    for (const file of [...this.unsaved.keys()]) if (!overlay.has(file)) this.unsaved.delete(file);
    const toParse: Array<{ file: string; bytes: Uint8Array }> = [];
    const encoder = new TextEncoder();
    for (const [file, text] of overlay) if (this.unsaved.get(file)?.text !== text) toParse.push({ file, bytes: encoder.encode(text) });
    const computed = await computeFacts(toParse, config, this.documentRules, 0);
    toParse.forEach((item, index) => this.unsaved.set(item.file, { text: overlay.get(item.file)!, facts: computed[index]! }));

    const added = [...overlay.keys()].filter((file) => !this.entries.has(file));
    const files = added.length === 0 ? this.files : [...this.files, ...added].sort();
    const facts = files.map((file) => this.unsaved.get(file)?.facts ?? this.entries.get(file)!.facts);
    // Existence checks (produced files, links) see the overlay as the overlay source does, and the
    // disk as last refreshed.
    const onDisk = workingTreeSource(this.root, config);
    const exists = (file: string): boolean => {
      if (request.overlay.has(file)) return true;
      let known = this.existing.get(file);
      if (known === undefined) this.existing.set(file, (known = onDisk.exists(file)));
      return known;
    };
    const inputs = { evidence: request.evidence, extraRules };
    // Most edits change nothing the repository rules read (a body, an estimate): their findings stand.
    const reused = this.runs.reuse(files, facts, inputs, exists, config, rules);
    if (reused) {
      // The git-fed rules run every time; the model is built only if one reads it.
      const model = lazyModel(() => modelOf(facts, config, rules, { exists }, request.evidence).model);
      runRepositoryRules(extraRules, model.onDemand, config, rules, reused);
      return resultOf(reused, files, { config, only: request.only }, rules, model.get);
    }
    const answers = new Map<string, boolean>();
    const recordingExists = (file: string): boolean => {
      const answer = exists(file);
      answers.set(file, answer);
      return answer;
    };
    const recorder = new ReadRecorder();
    const checked = modelOf(facts, config, rules, { exists: recordingExists }, request.evidence, recorder);
    const { model, raw } = checked;
    const findings: RawFinding[] = [];
    runRepositoryRules(RULES, checked.watched ?? model, config, rules, findings);
    raw.push(...findings);
    this.runs.keep({
      files,
      facts,
      reads: files.map((file) => recorder.readsOf(file)),
      own: checked.ownFindings.map((own, index) => ({ own, schemaValid: !checked.schemaInvalid.has(files[index]!) })),
      findings,
      exists: answers,
      ...inputs,
    });
    runRepositoryRules(extraRules, model, config, rules, raw);
    return resultOf(raw, files, { config, only: request.only }, rules, () => model);
  }
}
