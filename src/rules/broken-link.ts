import path from 'node:path';
import { truncate } from '../parse/text.js';
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
    for (const doc of repo.documents) {
      for (const link of doc.links) {
        const target = link.url.replace(/[?#].*$/, '');
        if (target === '' || EXTERNAL.test(link.url)) continue;
        let decoded: string;
        try {
          decoded = decodeURIComponent(target);
        } catch {
          decoded = target;
        }
        // A leading `/` is relative to the repository root, as on GitHub.
        const resolved = decoded.startsWith('/')
          ? path.posix.normalize(decoded.slice(1))
          : path.posix.normalize(path.posix.join(path.posix.dirname(doc.file), decoded));
        if (resolved === '..' || resolved.startsWith('../')) {
          context.report({
            file: doc.file,
            line: link.line,
            column: link.column,
            message: `Link \`${truncate(link.url)}\` leaves the repository, expected a path inside it`,
            hint: 'Link to files in the repository, or use a full https:// URL.',
          });
        } else if (!repo.exists(resolved)) {
          context.report({
            file: doc.file,
            line: link.line,
            column: link.column,
            message: `Link target \`${truncate(link.url)}\` does not exist (resolved to \`${truncate(resolved)}\`)`,
            hint: 'Fix the path, or create the file it points at.',
          });
        }
      }
    }
  },
);
