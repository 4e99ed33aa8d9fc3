import path from 'node:path';
import { truncate } from '../util/text.js';
import { repositoryRule } from './types.js';

/** Links with a scheme (`https:`, `mailto:`) or only a fragment are not files. */
const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i;

export const brokenLink = repositoryRule(
  {
    id: 'broken-link',
    description: 'A relative link must point at a file or folder that exists inside the repository.',
    defaultSeverity: 'error',
  },
  (repo, context) => {
    // Documents of one folder often link the same targets (`phase.md`): each target is checked once
    // per folder (documents come sorted by path, so a folder's documents are together).
    let folder: string | undefined;
    let checked = new Map<string, Problem | undefined>();
    for (const doc of repo.documents) {
      if (doc.links.length === 0) continue;
      const from = path.posix.dirname(doc.file);
      if (from !== folder) {
        folder = from;
        checked = new Map();
      }
      for (const link of doc.links) {
        let problem = checked.get(link.url);
        if (problem === undefined && !checked.has(link.url)) {
          problem = problemOf(link.url, from, (relativePath) => repo.exists(relativePath));
          checked.set(link.url, problem);
        }
        if (problem) context.report({ file: doc.file, line: link.line, column: link.column, ...problem });
      }
    }
  },
);

type Problem = { message: string; hint: string };

/** What is wrong with a link written in a document of `folder`, if anything. */
function problemOf(url: string, folder: string, exists: (relativePath: string) => boolean): Problem | undefined {
  const target = url.replace(/[?#].*$/, '');
  if (target === '' || EXTERNAL.test(url)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    decoded = target;
  }
  const resolved = resolveLink(folder, decoded);
  if (resolved === '..' || resolved.startsWith('../')) {
    return { message: `Link \`${truncate(url)}\` leaves the repository, expected a path inside it`, hint: 'Link to files in the repository, or use a full https:// URL.' };
  }
  if (!exists(resolved)) {
    return { message: `Link target \`${truncate(url)}\` does not exist (resolved to \`${truncate(resolved)}\`)`, hint: 'Fix the path, or create the file it points at.' };
  }
  return undefined;
}

/** A relative path of plain names: no empty, `.` or `..` segment, so joining it needs no normalising. */
const PLAIN = /^(?!\.\.?(?:\/|$))[^/]+(?:\/(?!\.\.?(?:\/|$))[^/]+)*$/;

/**
 * The repository path a link target names, from the folder of the document holding it (a normalised
 * repository path, as document paths are). A leading `/` is relative to the repository root, as on
 * GitHub. Most targets are plain relative paths (`phase.md`): joined without normalising, which gives
 * the same result and costs far less over thousands of links. Exported for tests.
 */
export function resolveLink(folder: string, target: string): string {
  if (target.startsWith('/')) return path.posix.normalize(target.slice(1));
  if (PLAIN.test(target)) return folder === '.' ? target : `${folder}/${target}`;
  return path.posix.normalize(path.posix.join(folder, target));
}
