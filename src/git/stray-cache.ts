import { readdirSync } from 'node:fs';
import path from 'node:path';
import { WORK_TREE_CACHE_DIR } from '../engine/cache-files.js';
import { runGit, type Env } from './exec.js';

/** What `stagedocs schema` writes by default (`.stagedocs/schemas`): output for editors, not a cache. */
const SCHEMAS_FOLDER = 'schemas';

/**
 * The warning about a `.stagedocs/` folder in the work tree at `root`, or undefined when there is
 * none (or it holds only the schemas `stagedocs schema` wrote). Older versions kept their caches
 * there; nothing reads it any more, because a commit can put it into a fresh clone (`git add -f`).
 * Asks git whether it is tracked only when the folder exists, so a clean repository pays one readdir.
 */
export async function strayCacheWarning(root: string, env: Env): Promise<string | undefined> {
  let entries: string[];
  try {
    entries = readdirSync(path.join(root, WORK_TREE_CACHE_DIR)).filter((name) => name !== SCHEMAS_FOLDER);
  } catch {
    return undefined;
  }
  if (entries.length === 0) return undefined;
  const tracked = await runGit(root, ['ls-files', '-z', '--', WORK_TREE_CACHE_DIR, `:(exclude)${WORK_TREE_CACHE_DIR}/${SCHEMAS_FOLDER}`], { env }).then(
    (out) => out.length > 0,
    () => false,
  );
  const where = `${WORK_TREE_CACHE_DIR}/`;
  const ignored = `${where} is ignored: stagedocs keeps its caches in the git directory now, and never reads a cache from the work tree; it can be deleted`;
  return tracked ? `${ignored}. It is tracked by git: remove it from the repository (\`git rm -r --cached ${where}\`) and keep it in .gitignore` : ignored;
}
