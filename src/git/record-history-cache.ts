import path from 'node:path';
import { RECORD_HISTORY_FILE } from '../engine/cache-files.js';
import { type Config } from '../model/config.js';
import type { Env } from './exec.js';
import { fileHistory, isAncestor } from './history.js';
import { readKept, writeKept } from './kept-per-head.js';
import { commitAuthors, recordChanges, recordPaths, type RecordChanges } from './record-integrity.js';

const FORMAT = 'stagedocs-record-history/1';

/**
 * What the record-integrity rules find in the changes of HEAD's history (`recordChanges`), kept in the
 * cache folder with HEAD. After a commit, a pull or a merge, HEAD descends from the kept one: then
 * only the commits since are read (`git log kept..head` over the record folders, and the registry
 * versions they wrote), not the whole history again (3.75 s and 1.6 GB of git at 100,000 commits).
 *
 * Why that is the whole history's answer: the commits of `kept..head` and those of the kept history
 * are disjoint and together every commit of the new one; `git log --full-history` lists a commit by
 * its own diff against its parents, whatever the range; and each commit's part of `RecordChanges`
 * depends on nothing else. Their order differs from a full `git log`'s, which changes nothing: the
 * findings are sorted before anyone sees them. Anything else (a reset, a rebase, another branch, a
 * damaged or foreign file) reads the whole history. `key` names the code and the configuration.
 */
export async function recordChangesOfHead(root: string, cacheDir: string, key: string, head: string, config: Config, env: Env): Promise<RecordChanges> {
  const file = path.join(cacheDir, RECORD_HISTORY_FILE);
  const kept = readKept(file, FORMAT, key, isRecordChanges);
  if (kept?.head === head) return kept.value;
  const changesOf = async (base?: string) => recordChanges(root, config, commitAuthors(await fileHistory(root, { head, base }, recordPaths(config), env)), env);
  let changes: RecordChanges;
  if (kept && (await isAncestor(root, kept.head, head, env))) {
    const since = await changesOf(kept.head);
    changes = { files: [...since.files, ...kept.value.files], losses: [...since.losses, ...kept.value.losses] };
  } else {
    changes = await changesOf();
  }
  await writeKept(file, FORMAT, key, head, changes);
  return changes;
}

function isRecordChanges(value: unknown): value is RecordChanges {
  const changes = value as Partial<RecordChanges> | null;
  return (
    typeof changes === 'object' &&
    changes !== null &&
    Array.isArray(changes.files) &&
    changes.files.every((entry) => typeof entry?.newBlob === 'string' && typeof entry.finding?.file === 'string' && typeof entry.finding.message === 'string') &&
    Array.isArray(changes.losses) &&
    changes.losses.every((loss) => typeof loss?.label === 'string' && typeof loss.path === 'string' && Array.isArray(loss.lost) && loss.lost.every((row) => typeof row?.text === 'string' && typeof row.line === 'number'))
  );
}
