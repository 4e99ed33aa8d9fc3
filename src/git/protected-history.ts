import { type Config } from '../model/config.js';
import type { Finding } from '../model/diagnostic.js';
import { kindFromPath, isDocumentPath } from '../engine/source.js';
import { parseDocumentBytes } from '../parse/document.js';
import { commitProtections, protectedPathFindings, type StageState } from '../rules/protected-path.js';
import { readBlobs } from './blobs.js';
import { runGit, type Env } from './exec.js';
import { blobKey, blobsAt, changesUnderRoot, type FileChange } from './history.js';
import { describeCommit } from './record-integrity.js';

/** A protected-path finding of one commit of a range, ready for `precomputedRule`. */
export type ProtectedPathFinding = Finding & { ruleId: 'protected-path'; file: string };

const ABSENT = /^0+$/;

/** Whether a root-relative path is a stage document (phase files and READMEs are not). */
export function isStagePath(file: string, config: Config): boolean {
  return isDocumentPath(file, config) && kindFromPath(file, config) === 'stage';
}

/**
 * The stage documents of some blobs, read with one `git cat-file --batch` and parsed once per distinct
 * (path, blob). Only what the protected-path check needs is kept; a document that does not parse, or
 * whose `id`, `status` or `protected` has the wrong type, protects nothing (its own findings, at the
 * commit where it is current, belong to the other rules).
 */
export async function stageStatesOf(root: string, config: Config, files: ReadonlyArray<{ path: string; blob: string }>, env: Env): Promise<Map<string, StageState | undefined>> {
  const wanted = files.filter((file) => !ABSENT.test(file.blob));
  const blobs = await readBlobs(root, wanted.map((file) => file.blob), env);
  const states = new Map<string, StageState | undefined>();
  await Promise.all(
    wanted.map(async ({ path: file, blob }) => {
      const key = stateKey(file, blob);
      if (states.has(key)) return;
      states.set(key, undefined);
      const bytes = blobs.get(blob);
      if (!bytes) return;
      const { doc } = await parseDocumentBytes(file, bytes, { kindHint: 'stage', maxBytes: config.limits.max_file_bytes });
      const data = doc.data;
      if (doc.kind !== 'stage' || !data || typeof data.id !== 'string' || typeof data.status !== 'string') return;
      const patterns = data.protected === undefined ? [] : data.protected;
      if (!Array.isArray(patterns) || !patterns.every((pattern): pattern is string => typeof pattern === 'string')) return;
      states.set(key, { doc, id: data.id, status: data.status, protected: patterns });
    }),
  );
  return states;
}

export function stateKey(file: string, blob: string): string {
  return `${file}\0${blob}`;
}

/** The stage documents some changes changed or deleted, as they were before: path and old blob. */
function changedStages(changes: readonly FileChange[], config: Config): Array<{ path: string; blob: string }> {
  return changes.filter((change) => change.status !== 'A' && isStagePath(change.path, config)).map((change) => ({ path: change.path, blob: change.oldBlob }));
}

function statesOf(files: ReadonlyArray<{ path: string; blob: string }>, states: ReadonlyMap<string, StageState | undefined>): StageState[] {
  return files.flatMap(({ path: file, blob }) => states.get(stateKey(file, blob)) ?? []);
}

/** The stages as they were before some changes (the hook: the staged stage documents at HEAD). */
export async function stagesBefore(root: string, config: Config, changes: readonly FileChange[], env: Env): Promise<StageState[]> {
  const changed = changedStages(changes, config);
  return statesOf(changed, await stageStatesOf(root, config, changed, env));
}

/**
 * protected-path over every commit of `base..head`, as the pre-commit hook would have judged it had it
 * run: each commit's changed paths against the stages after that commit, with the patterns the changed
 * stage documents had before it (`commitProtections`). Hooks can be skipped (`git commit --no-verify`),
 * so CI must see what the hook sees.
 *
 * Cost, whatever the number of commits: one `git log --raw` (every commit and its changes), one
 * `git ls-tree` (the stage documents at base), one `git cat-file --batch-check` (the blob of every stage
 * document at every commit, exact also across merges) and one `git cat-file --batch` (each distinct
 * blob, parsed once). Merge commits are not judged themselves: git lists no changes for them, and the
 * commits they bring in are judged one by one.
 */
export async function protectedPathsInRange(root: string, config: Config, span: { base: string; head: string }, env: Env): Promise<ProtectedPathFinding[]> {
  const stagesFolder = config.paths.stages.replace(/\/+$/, '');
  const [commits, atBase] = await Promise.all([
    changesUnderRoot(root, span, env),
    runGit(root, ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--name-only', '--end-of-options', span.base, '--', stagesFolder], { env }),
  ]);
  const judged = commits.filter((commit) => commit.parents.length <= 1 && commit.changes.length > 0);
  const stagePaths = new Set(atBase.toString('utf8').split('\0').filter((file) => file !== '' && isStagePath(file, config)));
  for (const commit of commits) for (const change of commit.changes) if (isStagePath(change.path, config)) stagePaths.add(change.path);
  const paths = [...stagePaths].sort();
  if (judged.length === 0 || paths.length === 0) return [];

  const blobAt = await blobsAt(root, judged.flatMap((commit) => paths.map((file) => ({ commit: commit.sha, path: file }))), env);
  const beforeFiles = judged.flatMap((commit) => changedStages(commit.changes, config));
  const afterFiles = judged.flatMap((commit) => atCommit(commit.sha, paths, blobAt));
  const states = await stageStatesOf(root, config, [...afterFiles, ...beforeFiles], env);

  const findings: ProtectedPathFinding[] = [];
  // Oldest first, so that the findings read in the order the commits were made.
  for (const commit of [...judged].reverse()) {
    const after = statesOf(atCommit(commit.sha, paths, blobAt), states);
    const before = statesOf(changedStages(commit.changes, config), states);
    const changed = commit.changes.map((change) => change.path);
    const found = protectedPathFindings(commitProtections(after, before), changed, { shortSha: commit.shortSha, label: describeCommit(commit) });
    for (const finding of found) findings.push({ ...finding, ruleId: 'protected-path', file: finding.file! });
  }
  return findings;
}

/** The stage documents present at a commit, with their blobs. */
function atCommit(commit: string, paths: readonly string[], blobAt: ReadonlyMap<string, string>): Array<{ path: string; blob: string }> {
  return paths.flatMap((file) => {
    const blob = blobAt.get(blobKey(commit, file));
    return blob === undefined ? [] : [{ path: file, blob }];
  });
}
