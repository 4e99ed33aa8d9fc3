import { type Config } from '../model/config.js';
import type { Finding } from '../model/diagnostic.js';
import { kindFromPath, isDocumentPath } from '../engine/source.js';
import { parseDocumentBytes } from '../parse/document.js';
import { contractStateOf, contractStatesOf, type ContractState, type ContractStates } from '../model/contract-states.js';
import { phaseProtectedEntries } from '../model/phase-contract.js';
import { commitProtections, phaseProtectionFindings, protectedPathFindings } from '../rules/protected-path.js';
import { readBlobs } from './blobs.js';
import { runGit, type Env } from './exec.js';
import { blobKey, blobsAt, changesUnderRoot, type CommitChanges, type FileChange } from './history.js';
import { describeCommit } from './record-integrity.js';

/** A protected-path finding of one commit of a range, ready for `precomputedRule`. */
export type ProtectedPathFinding = Finding & { ruleId: 'protected-path'; file: string };

const ABSENT = /^0+$/;

/** Whether a root-relative path is a stage document (phase files and READMEs are not). */
export function isStagePath(file: string, config: Config): boolean {
  return isDocumentPath(file, config) && kindFromPath(file, config) === 'stage';
}

/** Whether a root-relative path is a stage or a phase document: the documents whose lists hold at commit. */
function isContractPath(file: string, config: Config): boolean {
  if (!isDocumentPath(file, config)) return false;
  const kind = kindFromPath(file, config);
  return kind === 'stage' || kind === 'phase';
}

/**
 * The stage and phase documents of some blobs, read with one `git cat-file --batch` and parsed once per
 * distinct (path, blob). Only what the protected-path check needs is kept (`contractStateOf`); a document that does not
 * parse, or whose `id`, `status` or lists have the wrong type, protects nothing (its own findings, at
 * the commit where it is current, belong to the other rules).
 */
async function contractStatesOfBlobs(root: string, config: Config, files: ReadonlyArray<{ path: string; blob: string }>, env: Env): Promise<Map<string, ContractState | undefined>> {
  const wanted = files.filter((file) => !ABSENT.test(file.blob));
  const blobs = await readBlobs(root, wanted.map((file) => file.blob), env);
  const states = new Map<string, ContractState | undefined>();
  await Promise.all(
    wanted.map(async ({ path: file, blob }) => {
      const key = stateKey(file, blob);
      if (states.has(key)) return;
      states.set(key, undefined);
      const bytes = blobs.get(blob);
      const kind = kindFromPath(file, config);
      if (!bytes || (kind !== 'stage' && kind !== 'phase')) return;
      const { doc } = await parseDocumentBytes(file, bytes, { kindHint: kind, maxBytes: config.limits.max_file_bytes });
      if (doc.kind === kind) states.set(key, contractStateOf(doc));
    }),
  );
  return states;
}

export function stateKey(file: string, blob: string): string {
  return `${file}\0${blob}`;
}

/** The stage and phase documents some changes changed or deleted, as they were before: path and old blob. */
function changedContracts(changes: readonly FileChange[], config: Config): Array<{ path: string; blob: string }> {
  return changes.filter((change) => change.status !== 'A' && isContractPath(change.path, config)).map((change) => ({ path: change.path, blob: change.oldBlob }));
}

function statesOf(files: ReadonlyArray<{ path: string; blob: string }>, states: ReadonlyMap<string, ContractState | undefined>): ContractStates {
  return contractStatesOf(files.map(({ path: file, blob }) => states.get(stateKey(file, blob))));
}

/** The stages and phases as they were before some changes (the hook: the staged stage and phase documents at HEAD). */
export async function contractsBefore(root: string, config: Config, changes: readonly FileChange[], env: Env): Promise<ContractStates> {
  const changed = changedContracts(changes, config);
  return statesOf(changed, await contractStatesOfBlobs(root, config, changed, env));
}

/**
 * protected-path over every commit of `base..head`, as the pre-commit hook would have judged it had it
 * run: each commit's changed paths against the stages and phases after that commit, with the patterns
 * the changed stage and phase documents had before it (`commitProtections`, `phaseProtectedEntries`:
 * a phase's `protected` and `agents.must_not_modify`). Hooks can be skipped (`git commit --no-verify`),
 * so CI must see what the hook sees.
 *
 * The stage and phase documents at each commit are replayed from its first parent and its own changes,
 * so the cost does not grow with commits times documents: one `git log --raw` (every commit and its changes), one
 * `git ls-tree` per commit outside the range that a commit of it has as parent (usually just base), one
 * `git cat-file --batch-check` for the merge commits (whose changes git does not list), and one
 * `git cat-file --batch` for the distinct stage and phase blobs, each parsed once. Merge commits are not judged
 * themselves; the commits they bring in are judged one by one.
 */
export async function protectedPathsInRange(root: string, config: Config, span: { base: string; head: string }, env: Env): Promise<ProtectedPathFinding[]> {
  const commits = await changesUnderRoot(root, span, env);
  const judged = commits.filter((commit) => commit.parents.length <= 1 && commit.changes.length > 0);
  if (judged.length === 0) return [];
  const inRange = new Map(commits.map((commit) => [commit.sha, commit]));
  const boundary = [...new Set(commits.flatMap((commit) => commit.parents.filter((parent) => !inRange.has(parent))))];
  const documentsAt = new Map<string, ReadonlyMap<string, string>>();
  await Promise.all(boundary.map(async (sha) => documentsAt.set(sha, await contractTree(root, config, sha, env))));

  // Every stage and phase document any commit of the range can hold: present at the boundary, or changed in the range.
  const universe = new Set([...documentsAt.values()].flatMap((tree) => [...tree.keys()]));
  for (const commit of commits) for (const change of commit.changes) if (isContractPath(change.path, config)) universe.add(change.path);
  const merges = commits.filter((commit) => commit.parents.length > 1);
  if (merges.length > 0) {
    const found = await blobsAt(root, merges.flatMap((merge) => [...universe].map((file) => ({ commit: merge.sha, path: file }))), env);
    for (const merge of merges) {
      const tree = new Map<string, string>();
      for (const file of universe) {
        const blob = found.get(blobKey(merge.sha, file));
        if (blob !== undefined) tree.set(file, blob);
      }
      documentsAt.set(merge.sha, tree);
    }
  }
  for (const commit of commits) replay(commit, inRange, documentsAt, config);

  const atCommit = (sha: string) => [...(documentsAt.get(sha) ?? new Map<string, string>())].map(([file, blob]) => ({ path: file, blob }));
  const beforeFiles = judged.flatMap((commit) => changedContracts(commit.changes, config));
  const states = await contractStatesOfBlobs(root, config, [...judged.flatMap((commit) => atCommit(commit.sha)), ...beforeFiles], env);

  const findings: ProtectedPathFinding[] = [];
  // Oldest first, so that the findings read in the order the commits were made.
  for (const commit of [...judged].reverse()) {
    const after = statesOf(atCommit(commit.sha), states);
    const before = statesOf(changedContracts(commit.changes, config), states);
    const changed = commit.changes.map((change) => change.path);
    const label = { shortSha: commit.shortSha, label: describeCommit(commit) };
    const phases = phaseProtectedEntries(after.phases, before.phases, after.stages, config.paths.gate_results);
    const found = [...protectedPathFindings(commitProtections(after.stages, before.stages), changed, label), ...phaseProtectionFindings(phases, changed, label)];
    for (const finding of found) findings.push({ ...finding, ruleId: 'protected-path', file: finding.file! });
  }
  return findings;
}

/** The stage and phase documents (path -> blob) of a commit, from one `git ls-tree`. */
async function contractTree(root: string, config: Config, sha: string, env: Env): Promise<Map<string, string>> {
  const output = await runGit(root, ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--end-of-options', sha, '--', config.paths.stages.replace(/\/+$/, '')], { env });
  const tree = new Map<string, string>();
  // `<mode> <type> <object>\t<path>`
  for (const entry of output.toString('utf8').split('\0')) {
    const tab = entry.indexOf('\t');
    const [, type, blob] = entry.slice(0, tab).split(' ');
    const file = entry.slice(tab + 1);
    if (tab !== -1 && type === 'blob' && blob && isContractPath(file, config)) tree.set(file, blob);
  }
  return tree;
}

/**
 * The stage and phase documents after `commit`, from its first parent's and its own changes (iteratively:
 * a long range must not grow the call stack). A commit that changes none of them shares its parent's map.
 */
function replay(commit: CommitChanges, inRange: ReadonlyMap<string, CommitChanges>, documentsAt: Map<string, ReadonlyMap<string, string>>, config: Config): void {
  const stack = [commit];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const parent = top.parents[0];
    if (documentsAt.has(top.sha)) {
      stack.pop();
    } else if (parent !== undefined && !documentsAt.has(parent)) {
      stack.push(inRange.get(parent)!);
    } else {
      const inherited = parent === undefined ? new Map<string, string>() : documentsAt.get(parent)!;
      const contractChanges = top.changes.filter((change) => isContractPath(change.path, config));
      if (contractChanges.length === 0) {
        documentsAt.set(top.sha, inherited);
      } else {
        const state = new Map(inherited);
        for (const change of contractChanges) {
          if (change.status === 'D') state.delete(change.path);
          else state.set(change.path, change.newBlob);
        }
        documentsAt.set(top.sha, state);
      }
      stack.pop();
    }
  }
}
