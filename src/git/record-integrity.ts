import { type Config } from '../model/config.js';
import type { Finding } from '../model/diagnostic.js';
import { REGISTRY_FILE } from '../model/evidence.js';
import { readBlobs } from './blobs.js';
import type { Env } from './exec.js';
import type { CommitChanges, FileChange } from './history.js';

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
 */
export async function checkRecordIntegrity(root: string, config: Config, authors: readonly ChangeAuthor[], env: Env): Promise<IntegrityFinding[]> {
  const freezeFolder = `${config.paths.freeze.replace(/\/+$/, '')}/`;
  const evidenceFolder = `${config.paths.gate_results.replace(/\/+$/, '')}/`;
  const registry = `${evidenceFolder}${REGISTRY_FILE}`;
  const findings: IntegrityFinding[] = [];
  const registryEdits: Array<{ label: string; change: FileChange }> = [];

  for (const { label, changes } of authors) {
    for (const change of changes) {
      if (change.status === 'A') continue;
      // A merge that only brings in one side's change is not the author of it; the side's commit is.
      const broughtIn = change.byMerge === false;
      const verb = change.status === 'D' ? 'deleted' : 'changed';
      if (broughtIn && change.path !== registry) continue;
      if (change.path.startsWith(freezeFolder) && change.path.endsWith('.freeze.json')) {
        findings.push({
          ruleId: 'freeze-immutable',
          file: change.path,
          line: 1,
          column: 1,
          message: `Freeze file \`${change.path}\` was ${verb} by ${label} after it was committed; freeze files are immutable`,
          hint: `Restore it (\`git checkout <commit>~1 -- ${quotePath(change.path)}\`); a new scope needs a new decision note and a new stage attempt, not an edited freeze file.`,
        });
      } else if (change.path === registry) {
        if (change.status === 'D') {
          findings.push({
            ruleId: 'registry-append-only',
            file: change.path,
            line: 1,
            column: 1,
            message: `The gate registry \`${change.path}\` was deleted by ${label}; it may only grow by appended rows`,
            hint: 'Restore it from the previous commit, or rebuild it from the run folders with `stagedocs registry`.',
          });
        } else {
          registryEdits.push({ label, change });
        }
      } else if (change.path.startsWith(evidenceFolder) && change.path.slice(evidenceFolder.length).includes('/')) {
        // Only files inside a run folder are evidence; a README beside the registry is not.
        findings.push({
          ruleId: 'evidence-immutable',
          file: change.path,
          line: 1,
          column: 1,
          message: `Evidence file \`${change.path}\` was ${verb} by ${label}; gate evidence is never rewritten`,
          hint: 'Restore it from the commit that added it; a new attempt writes a new run folder with `stagedocs gate run`.',
        });
      }
    }
  }

  if (registryEdits.length > 0) {
    const blobs = await readBlobs(root, registryEdits.flatMap(({ change }) => [...(change.parentBlobs ?? [change.oldBlob]), change.newBlob]).filter((id) => !/^0+$/.test(id)), env);
    for (const { label, change } of registryEdits) {
      // A merge keeps the rows of every parent.
      const before = uniqueRows((change.parentBlobs ?? [change.oldBlob]).flatMap((id) => linesOf(blobs.get(id))));
      const after = new Set(linesOf(blobs.get(change.newBlob)).map((row) => row.text));
      const lost = before.filter((row) => !after.has(row.text));
      if (lost.length === 0) continue;
      const first = lost[0]!;
      const shown = first.text.length > 80 ? `${first.text.slice(0, 79)}…` : first.text;
      findings.push({
        ruleId: 'registry-append-only',
        file: change.path,
        line: 1,
        column: 1,
        message: `${lost.length === 1 ? 'A row' : `${lost.length} rows`} of the gate registry \`${change.path}\` ${lost.length === 1 ? 'was' : 'were'} removed or edited by ${label} (first: line ${first.line} \`${shown.replace(/`/g, "'")}\`); the registry may only grow by appended rows`,
        hint: 'Put the old rows back exactly as they were; `stagedocs registry --check` compares the registry with the run folders.',
      });
    }
  }
  return findings;
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
