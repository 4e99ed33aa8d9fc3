import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Whether a glob of a phase contract (entry files, exit produces) matches a file of the working tree,
 * for the assessment (`AssessmentContext.globMatches`). Each pattern is listed once per command; the
 * glob library is loaded on the first pattern, so repositories without globs never pay for it.
 */
export function globMatcher(root: string): (pattern: string) => boolean {
  const known = new Map<string, boolean>();
  return (pattern) => {
    let found = known.get(pattern);
    if (found === undefined) {
      const { globSync } = require('tinyglobby') as typeof import('tinyglobby');
      found = globSync([pattern], { cwd: root, onlyFiles: true, dot: true, ignore: ['.git/**'] }).length > 0;
      known.set(pattern, found);
    }
    return found;
  };
}
