import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { type Config } from '../model/config.js';
import { type FreezeFile } from '../model/documents.js';
import { driftOf, type FreezeDrift, type InputHashes } from '../model/freeze-guard.js';
import { freezeDrift, type FreezeDriftFacts } from '../rules/freeze-drift.js';
import type { RepositoryRule } from '../rules/types.js';
import { readBlobs } from './blobs.js';
import type { Env } from './exec.js';
import { fileHistory, isAncestor, type FileChange } from './history.js';
import { kindFromPath, listFreezeFiles } from '../engine/source.js';
import { contentSha256 } from '../util/content-hash.js';
import { storedContentHashes } from './stored-content.js';
import { pathEscape } from '../util/inside-root.js';

const FREEZE_SUFFIX = '.freeze.json';
const NO_BLOB = /^0+$/;

/**
 * The `freeze-drift` rule with what git says about the frozen inputs: their hashes in the working
 * tree and, with a range, every commit of it that changed one after its freeze file was committed.
 * Kept out of history-validation.ts: it hashes content, which the record-integrity rules never do.
 */
export async function freezeDriftRule(root: string, config: Config, env: Env, span: { base: string; head: string } | undefined): Promise<RepositoryRule> {
  const freezes = await freezeFilesOnDisk(root, config);
  const current = await currentInputHashes(root, env, freezes.flatMap((freeze) => Object.keys(freeze.inputs)));
  const facts: FreezeDriftFacts = {
    current,
    drifted: anyDrift(freezes, current),
    commits: span ? await rangeDrift(root, env, freezes, span) : [],
  };
  return freezeDrift(facts);
}

/** Whether an input of any of these freeze files differs from its current hash: what lets the rule skip the model. */
function anyDrift(freezes: readonly FrozenInputs[], current: InputHashes): boolean {
  return freezes.some((freeze) => driftOf(freeze.file, freeze, current).length > 0);
}

interface FrozenInputs {
  file: string;
  inputs: Record<string, string>;
}

/**
 * The freeze files of the working tree, as validation lists them, as far as they have an `inputs`
 * object; the rest is the schema's finding. Every freeze file of the model is among them, which is
 * what lets the rule skip the model when none of them drifted.
 */
async function freezeFilesOnDisk(root: string, config: Config): Promise<FrozenInputs[]> {
  const found: FrozenInputs[] = [];
  for (const file of listFreezeFiles(root, config)) {
    try {
      const frozen = frozenInputsOf(file, await readFile(path.join(root, file), 'utf8'));
      if (frozen) found.push(frozen);
    } catch {
      continue;
    }
  }
  return found;
}

/** The string-valued `inputs` of a freeze file's text; undefined when it has none (or is not JSON). */
function frozenInputsOf(file: string, text: string): FrozenInputs | undefined {
  try {
    const data = JSON.parse(text) as Partial<FreezeFile>;
    if (!data || typeof data.inputs !== 'object' || data.inputs === null || Array.isArray(data.inputs)) return undefined;
    return { file, inputs: Object.fromEntries(Object.entries(data.inputs).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) };
  } catch {
    return undefined;
  }
}

/**
 * The `freeze-drift` rule over what is being committed (the hook, `validate --staged`): every staged
 * change of an input that a freeze file of the index froze, hashed as staged (the blob is what git
 * stores), against the frozen hash. Inputs that are not staged are the working tree's and the range's
 * business: the hook judges the commit. `files` are the freeze files that froze a staged input: the
 * findings are reported there (at the input's entry), so the caller adds them to the reported paths.
 * No git process when nothing frozen is staged; otherwise one `cat-file --batch` for the freeze files
 * and one for the staged inputs.
 */
export async function stagedFreezeDrift(
  root: string,
  config: Config,
  index: ReadonlyArray<{ path: string; blob: string }>,
  changes: readonly FileChange[],
  env: Env,
): Promise<{ rule: RepositoryRule; files: string[] }> {
  // The suffix first: kindFromPath over every entry of a large index cost tens of milliseconds.
  const isFreeze = (file: string) => file.endsWith(FREEZE_SUFFIX) && kindFromPath(file, config) === 'freeze';
  const freezeEntries = index.filter((entry) => isFreeze(entry.path));
  const staged = changes.filter((change) => !isFreeze(change.path));
  const none = { rule: freezeDrift({ current: new Map(), drifted: false, commits: [] }), files: [] };
  if (freezeEntries.length === 0 || staged.length === 0) return none;
  const freezeBlobs = await readBlobs(root, freezeEntries.map((entry) => entry.blob), env);
  const freezes = freezeEntries.flatMap((entry) => {
    const bytes = freezeBlobs.get(entry.blob);
    return (bytes && frozenInputsOf(entry.path, bytes.toString('utf8'))) || [];
  });
  const frozenStaged = staged.filter((change) => freezes.some((freeze) => freeze.inputs[change.path] !== undefined));
  if (frozenStaged.length === 0) return none;
  const inputBlobs = await readBlobs(root, frozenStaged.flatMap((change) => (NO_BLOB.test(change.newBlob) ? [] : [change.newBlob])), env);
  const current = new Map<string, string | null>();
  for (const change of frozenStaged) {
    const bytes = NO_BLOB.test(change.newBlob) ? undefined : inputBlobs.get(change.newBlob);
    current.set(change.path, bytes ? contentSha256(bytes) : null);
  }
  const files = freezes.filter((freeze) => frozenStaged.some((change) => freeze.inputs[change.path] !== undefined)).map((freeze) => freeze.file);
  return { rule: freezeDrift({ current, drifted: anyDrift(freezes, current), commits: [], currentAt: 'in the index' }), files };
}

/** The inputs of freezes as they are now: the stored-content hash of each present one, and those missing or outside. */
export interface InputsNow {
  hashes: Map<string, string>;
  missing: string[];
  /** Lexically or through a symlink out of the repository: never read. */
  outside: string[];
}

/**
 * The current stored-content sha256 (see `storedContentHashes`) of each input path that is present,
 * sorted, and the paths that are missing or leave the repository (a freeze file is repository
 * content: such a path is never read). What `gate run`, `freeze` verification and `validate` compare
 * with the frozen hashes.
 */
export async function inputsNow(root: string, env: Env, inputs: Iterable<string>): Promise<InputsNow> {
  const present: string[] = [];
  const missing: string[] = [];
  const outside: string[] = [];
  for (const input of [...new Set(inputs)].sort()) {
    if (pathEscape(root, input)) {
      outside.push(input);
      continue;
    }
    try {
      await access(path.join(root, input));
      present.push(input);
    } catch {
      missing.push(input);
    }
  }
  return { hashes: await storedContentHashes(root, env, present), missing, outside };
}

/** The current hash of each path, null for one that is missing or leaves the repository (never the frozen content). */
export async function currentInputHashes(root: string, env: Env, inputs: Iterable<string>): Promise<Map<string, string | null>> {
  const now = await inputsNow(root, env, inputs);
  const hashes = new Map<string, string | null>([...now.missing, ...now.outside].map((input) => [input, null]));
  for (const [input, hash] of now.hashes) hashes.set(input, hash);
  return hashes;
}

/**
 * Every commit of `base..head` that gave a frozen input content other than the frozen one, once the
 * freeze file was in its history: one `git log` over the freeze files (when each was added), one over
 * the inputs, and one `cat-file --batch` for the blobs.
 */
async function rangeDrift(root: string, env: Env, freezes: readonly FrozenInputs[], span: { base: string; head: string }): Promise<Array<{ commit: string; drift: FreezeDrift }>> {
  if (freezes.length === 0) return [];
  const added = new Map<string, string>();
  // Oldest addition wins: newest first from git log, so later entries overwrite.
  for (const commit of await fileHistory(root, { head: span.head }, freezes.map((freeze) => freeze.file), env)) {
    for (const change of commit.changes) if (change.status === 'A') added.set(change.path, commit.sha);
  }
  const inputs = [...new Set(freezes.flatMap((freeze) => Object.keys(freeze.inputs)))].sort();
  const commits = (await fileHistory(root, span, inputs, env)).reverse();
  const blobs = await readBlobs(root, commits.flatMap((commit) => commit.changes.map((change) => change.newBlob).filter((blob) => !NO_BLOB.test(blob))), env);
  const found: Array<{ commit: string; drift: FreezeDrift }> = [];
  for (const commit of commits) {
    for (const change of commit.changes) {
      for (const freeze of freezes) {
        const frozen = freeze.inputs[change.path];
        const freezeCommit = added.get(freeze.file);
        if (frozen === undefined || freezeCommit === undefined || freezeCommit === commit.sha) continue;
        if (!(await isAncestor(root, freezeCommit, commit.sha, env))) continue;
        const bytes = NO_BLOB.test(change.newBlob) ? undefined : blobs.get(change.newBlob);
        const current = bytes ? createHash('sha256').update(bytes).digest('hex') : null;
        if (current !== frozen) found.push({ commit: commit.sha, drift: { file: freeze.file, input: change.path, frozen, current } });
      }
    }
  }
  return found;
}

/**
 * The current hashes of every input of the model's freeze files, for the one assessment's `freeze`
 * (`verifiedNow`). Undefined outside a git work tree, where stored content cannot be hashed: the
 * assessment then says the inputs were not checked rather than that they match.
 */
export async function frozenInputHashes(root: string, env: Env, freezes: ReadonlyArray<{ data: FreezeFile }>): Promise<Map<string, string | null> | undefined> {
  try {
    return await currentInputHashes(root, env, freezes.flatMap((freeze) => Object.keys(freeze.data.inputs)));
  } catch {
    return undefined;
  }
}
