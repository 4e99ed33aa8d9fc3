import { type Config } from '../model/config.js';
import type { Finding } from '../model/diagnostic.js';
import { REGISTRY_FILE } from '../model/evidence.js';
import { readBlobs } from './blobs.js';
import type { Env } from './exec.js';
import { blobKey, blobsAt, fileHistory, type CommitChanges, type FileChange } from './history.js';

/** A finding of one of the record-integrity rules, ready for the engine. */
export interface IntegrityFinding extends Finding {
  ruleId: 'freeze-immutable' | 'evidence-immutable' | 'registry-append-only';
  file: string;
}

/** Who made a change: a commit, or the changes staged for the next one. */
interface ChangeAuthor {
  /** "commit 1a2b3c4 (\"subject\")" or "the staged changes". */
  label: string;
  changes: FileChange[];
}

/** The folders whose history the integrity rules read. */
export function recordPaths(config: Config): string[] {
  return [config.paths.freeze, config.paths.gate_results].map((folder) => folder.replace(/\/+$/, ''));
}

/** Describes a commit for messages: short SHA and subject (cut, so a long subject cannot flood a report). */
export function describeCommit(commit: Pick<CommitChanges, 'shortSha' | 'subject'>): string {
  const subject = commit.subject.length > 72 ? `${commit.subject.slice(0, 71)}…` : commit.subject;
  return `commit ${commit.shortSha} ("${subject.replace(/`/g, "'")}")`;
}

export function commitAuthors(commits: readonly CommitChanges[]): ChangeAuthor[] {
  return commits.map((commit) => ({ label: describeCommit(commit), changes: commit.changes }));
}

/**
 * Records are never rewritten: a committed freeze file or evidence file is neither changed nor
 * deleted, and the gate registry only grows. With `merge=union` two branches' rows can interleave, so
 * the registry check is "every old line is still present", not "the old file is a prefix".
 *
 * With `end` (the last commit of the history checked), a repair counts: a freeze or evidence file that
 * is byte-identical at `end` to the version first committed, and registry rows that are back at `end`
 * exactly, are no longer reported (after `git revert` of the commit that deleted or edited them, the
 * record is whole again and history shows both commits). An inexact restore is still reported, saying
 * what differs. Without `end` (the staged changes) every destructive change is reported.
 */
export async function checkRecordIntegrity(root: string, config: Config, authors: readonly ChangeAuthor[], env: Env, end?: string): Promise<IntegrityFinding[]> {
  return integrityFindings(root, config, await recordChanges(root, config, authors, env), env, end);
}

/**
 * What the record-integrity rules find in each change, before the repairs at the end of the history
 * are weighed: the freeze and evidence files changed or deleted, and the registry rows each change
 * lost. Each commit's part depends only on that commit and its parents, so the changes of a history
 * are those of its commits in any order (git/record-history-cache.ts extends them commit by commit).
 */
export interface RecordChanges {
  /** A finding per changed or deleted freeze or evidence file, with the blob the change left behind. */
  files: Array<{ finding: IntegrityFinding; newBlob: string }>;
  /** The registry changes that lost rows, with the rows lost (1-based line in the file before). */
  losses: Array<{ label: string; path: string; status: FileChange['status']; lost: Array<{ line: number; text: string }> }>;
}

export async function recordChanges(root: string, config: Config, authors: readonly ChangeAuthor[], env: Env): Promise<RecordChanges> {
  const freezeFolder = `${config.paths.freeze.replace(/\/+$/, '')}/`;
  const evidenceFolder = `${config.paths.gate_results.replace(/\/+$/, '')}/`;
  const registry = `${evidenceFolder}${REGISTRY_FILE}`;
  // With what each reported change left behind: a note on what differs is only news when the file changed again later.
  const files: RecordChanges['files'] = [];
  const registryEdits: Array<{ label: string; change: FileChange }> = [];

  const record = (finding: IntegrityFinding, newBlob: string) => files.push({ finding, newBlob });
  for (const { label, changes } of authors) {
    for (const change of changes) {
      if (change.status === 'A') continue;
      // A merge that only brings in one side's change is not the author of it; the side's commit is.
      const broughtIn = change.byMerge === false;
      const verb = change.status === 'D' ? 'deleted' : 'changed';
      if (broughtIn && change.path !== registry) continue;
      if (change.path.startsWith(freezeFolder) && change.path.endsWith('.freeze.json')) {
        record({
          ruleId: 'freeze-immutable',
          file: change.path,
          line: 1,
          column: 1,
          message: `Freeze file \`${change.path}\` was ${verb} by ${label} after it was committed; freeze files are immutable`,
          hint: `Restore it exactly (\`git revert <commit>\`, or \`git checkout <commit>~1 -- ${quotePath(change.path)}\` and commit); a new scope needs a new decision note and a new stage attempt, not an edited freeze file.`,
        }, change.newBlob);
      } else if (change.path === registry) {
        registryEdits.push({ label, change });
      } else if (change.path.startsWith(evidenceFolder) && change.path.slice(evidenceFolder.length).includes('/')) {
        // Only files inside a run folder are evidence; a README beside the registry is not.
        record({
          ruleId: 'evidence-immutable',
          file: change.path,
          line: 1,
          column: 1,
          message: `Evidence file \`${change.path}\` was ${verb} by ${label}; gate evidence is never rewritten`,
          hint: 'Restore it exactly (`git revert <commit>`, or `git checkout <commit>~1 -- <file>` and commit); a new attempt writes a new run folder with `stagedocs gate run`.',
        }, change.newBlob);
      }
    }
  }
  if (registryEdits.length === 0) return { files, losses: [] };
  const blobs = await readBlobs(root, registryEdits.flatMap(({ change }) => [...(change.parentBlobs ?? [change.oldBlob]), change.newBlob]).filter((id) => !ABSENT.test(id)), env);
  const losses = registryEdits.flatMap(({ label, change }) => {
    const lost = lostRows(change, blobs);
    return lost.length === 0 ? [] : [{ label, path: change.path, status: change.status, lost }];
  });
  return { files, losses };
}

/** The findings of `changes`, with `end` (the last commit of the history checked) weighing repairs as `checkRecordIntegrity` says. */
export async function integrityFindings(root: string, config: Config, changes: RecordChanges, env: Env, end?: string): Promise<IntegrityFinding[]> {
  const { losses } = changes;
  const fileFindings = changes.files.map(({ finding }) => finding);
  const leftBehind = new Map(changes.files.map(({ finding, newBlob }) => [finding, newBlob]));
  const registry = `${config.paths.gate_results.replace(/\/+$/, '')}/${REGISTRY_FILE}`;
  const repair = end !== undefined && (fileFindings.length > 0 || losses.length > 0) ? await readRepairs(root, config, end, [...fileFindings.map((finding) => finding.file), registry], env) : undefined;

  const findings: IntegrityFinding[] = [];
  for (const finding of fileFindings) {
    const verdict = repair?.fileVerdict(finding.file, leftBehind.get(finding)!);
    if (verdict === 'restored') continue;
    findings.push(verdict === undefined ? finding : { ...finding, message: `${finding.message}; ${verdict}` });
  }
  for (const { label, path: changed, status, lost } of losses) {
    const missing = repair ? lost.filter((row) => !repair.registryRows.has(row.text) && !repair.rewrittenRows.has(row.text)) : lost;
    if (missing.length === 0) continue;
    const back = lost.length - missing.length;
    const partly = back > 0 ? `; ${back} of the ${lost.length} rows are back exactly at ${repair!.endLabel}, ${missing.length === 1 ? 'this one is' : `these ${missing.length} are`} not` : '';
    if (status === 'D') {
      findings.push({
        ruleId: 'registry-append-only',
        file: changed,
        line: 1,
        column: 1,
        message: `The gate registry \`${changed}\` was deleted by ${label}; it may only grow by appended rows${missing.length < lost.length ? ` (first row missing: line ${missing[0]!.line} \`${shownRow(missing[0]!.text)}\`${partly})` : ''}`,
        hint: 'Restore it exactly (`git revert <commit>`, or `git checkout <commit>~1 -- <registry>` and commit), or rebuild it from the run folders with `stagedocs registry`.',
      });
      continue;
    }
    const first = missing[0]!;
    findings.push({
      ruleId: 'registry-append-only',
      file: changed,
      line: 1,
      column: 1,
      message: `${missing.length === 1 ? 'A row' : `${missing.length} rows`} of the gate registry \`${changed}\` ${missing.length === 1 ? 'was' : 'were'} removed or edited by ${label} (first: line ${first.line} \`${shownRow(first.text)}\`${partly}); the registry may only grow by appended rows`,
      hint: 'Put the old rows back exactly as they were (`git revert <commit>`, or copy them from `git show <commit>~1:<registry>`); `stagedocs registry --check` compares the registry with the run folders.',
    });
  }
  return findings;
}

const ABSENT = /^0+$/;

/** The rows of the registry before a change (every parent's, for a merge) that are not in it after. */
function lostRows(change: FileChange, blobs: ReadonlyMap<string, Buffer>): Array<{ line: number; text: string }> {
  // A merge keeps the rows of every parent.
  const before = uniqueRows((change.parentBlobs ?? [change.oldBlob]).flatMap((id) => linesOf(blobs.get(id))));
  const after = new Set(linesOf(blobs.get(change.newBlob)).map((row) => row.text));
  return before.filter((row) => !after.has(row.text));
}

/** What the records look like at the end of the history checked, to tell a repair from a rewrite. */
interface Repairs {
  endLabel: string;
  /** Undefined when the file is not there at the end; 'restored' when it is byte-identical to its first committed version; else what differs. */
  fileVerdict(file: string, leftBehind: string): 'restored' | string | undefined;
  /** The rows of the registry at the end. */
  registryRows: ReadonlySet<string>;
  /**
   * Rows a commit added while it removed or edited others (the edited version of a row): taking them
   * out again is the repair (`git revert` of the edit), not a loss of a record.
   */
  rewrittenRows: ReadonlySet<string>;
}

/**
 * Reads the records at `end` and their whole history up to it: one `git log` over the record folders,
 * one `git cat-file --batch-check` (the blobs at `end`) and one `git cat-file --batch` (the versions to
 * compare). Run only when something was reported, so a clean history pays nothing for it.
 */
async function readRepairs(root: string, config: Config, end: string, files: readonly string[], env: Env): Promise<Repairs> {
  const [history, atEnd] = await Promise.all([fileHistory(root, { head: end }, recordPaths(config), env), blobsAt(root, files.map((file) => ({ commit: end, path: file })), env)]);
  const registry = `${config.paths.gate_results.replace(/\/+$/, '')}/${REGISTRY_FILE}`;
  // Newest first: the last addition seen is the first version committed.
  const firstCommitted = new Map<string, string>();
  for (const commit of history) for (const change of commit.changes) if (change.status === 'A') firstCommitted.set(change.path, change.newBlob);
  // A repair is a commit that writes the first version back (a revert, a checkout and commit). The first
  // addition is one such change; a merge that threw a side branch's edit away (`-s ours`) is not one: the
  // edited record existed and may have been used on that branch, and nobody restored it.
  const writesOfFirst = new Map<string, number>();
  for (const commit of history) {
    for (const change of commit.changes) {
      if (change.byMerge !== false && change.newBlob === firstCommitted.get(change.path)) writesOfFirst.set(change.path, (writesOfFirst.get(change.path) ?? 0) + 1);
    }
  }
  const registryChanges = history.flatMap((commit) => commit.changes.filter((change) => change.path === registry && change.status !== 'A'));
  const wanted = [
    ...files.flatMap((file) => [atEnd.get(blobKey(end, file)), firstCommitted.get(file)]),
    ...registryChanges.flatMap((change) => [...(change.parentBlobs ?? [change.oldBlob]), change.newBlob]),
  ].filter((id): id is string => id !== undefined && !ABSENT.test(id));
  const blobs = await readBlobs(root, wanted, env);
  const rewrittenRows = new Set<string>();
  for (const change of registryChanges) {
    if (lostRows(change, blobs).length === 0) continue;
    const before = new Set((change.parentBlobs ?? [change.oldBlob]).flatMap((id) => linesOf(blobs.get(id)).map((row) => row.text)));
    for (const row of linesOf(blobs.get(change.newBlob))) if (!before.has(row.text)) rewrittenRows.add(row.text);
  }
  const endRegistry = atEnd.get(blobKey(end, registry));
  const endLabel = `commit ${end.slice(0, 7)}`;
  return {
    endLabel,
    registryRows: new Set(linesOf(endRegistry === undefined ? undefined : blobs.get(endRegistry)).map((row) => row.text)),
    rewrittenRows,
    fileVerdict(file, leftBehind) {
      const now = atEnd.get(blobKey(end, file));
      const original = firstCommitted.get(file);
      if (now === undefined || original === undefined) return undefined;
      if (now === original) return (writesOfFirst.get(file) ?? 0) >= 2 ? 'restored' : undefined;
      if (now === leftBehind) return undefined;
      const how = ABSENT.test(leftBehind) ? 'is back' : 'changed again';
      return `it ${how} at ${endLabel} but not exactly as first committed (${firstDifference(blobs.get(original), blobs.get(now))})`;
    },
  };
}

/** Where two versions of a file first differ, for a message: line, what is there, what was expected. */
function firstDifference(expected: Buffer | undefined, found: Buffer | undefined): string {
  const want = (expected ?? Buffer.alloc(0)).toString('utf8').split('\n');
  const have = (found ?? Buffer.alloc(0)).toString('utf8').split('\n');
  for (let index = 0; index < Math.max(want.length, have.length); index++) {
    if (want[index] === have[index]) continue;
    const show = (line: string | undefined) => (line === undefined ? 'the end of the file' : `\`${shownRow(line)}\``);
    return `line ${index + 1} is ${show(have[index])}, expected ${show(want[index])}`;
  }
  // Same lines, so the bytes differ only in how the last line ends.
  return 'the same lines, but the bytes differ (line endings or a final newline)';
}

/** A row or line of a record, cut and with backticks made inert, for a message. */
function shownRow(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 79)}…` : text;
  return cut.replace(/`/g, "'");
}

function uniqueRows(rows: Array<{ line: number; text: string }>): Array<{ line: number; text: string }> {
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.text) && seen.add(row.text));
}

function linesOf(bytes: Buffer | undefined): Array<{ line: number; text: string }> {
  if (!bytes) return [];
  return bytes
    .toString('utf8')
    .split('\n')
    .map((text, index) => ({ line: index + 1, text: text.replace(/\r$/, '') }))
    .filter((row) => row.text !== '');
}

/** Single-quotes a path for a shell command shown in a hint. */
function quotePath(file: string): string {
  return /^[\w./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}
