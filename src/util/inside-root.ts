import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * The one containment check of stagedocs: whether a path that a document or the configuration names
 * stays inside the repository. Every reader of such a path (validation, the gate runner, freeze
 * files, evidence writing) asks here, so that "inside" means the same everywhere.
 *
 * A path escapes lexically (absolute, or `..` that climbs above the root) or through the file system:
 * one of its components is a symbolic link whose target, resolved to its real path, lies outside the
 * real root. A link that dangles is followed as far as it resolves, because writing through it would
 * create its target.
 */
export type PathEscape =
  | { kind: 'absolute' }
  | { kind: 'parent' }
  /** `link` is the repository-relative component that is a symlink, `target` the real path it leads to. */
  | { kind: 'symlink'; link: string; target: string }
  /** A symlink loop, or a link that cannot be read: where it leads is unknown, so it is not trusted. */
  | { kind: 'unresolvable'; link: string };

/** More links than this in one resolution is a loop (Linux gives up at 40 too). */
const MAX_LINK_HOPS = 40;

/** The path with `/` separators (a Windows `\` counts as one), for the lexical check. */
function forwardSlashes(written: string): string {
  return written.replace(/\\/g, '/');
}

/**
 * A relative path of plain names: `/` separators only, no drive, no empty, `.` or `..` segment. Such
 * a path cannot leave the root lexically (with or without its `**` segments) and is already
 * normalised, so the checks below skip their normalising for it: most paths documents name look like
 * this, and a run checks every one of them (50,000 stages name 100,000 paths).
 */
const PLAIN_PATH = /^(?![A-Za-z]:)(?!\.\.?(?:\/|$))[^/\\]+(?:\/(?!\.\.?(?:\/|$))[^/\\]+)*$/;

/** Whether the path leaves the root without touching the file system: absolute, or `..` above the root. */
export function lexicalEscape(written: string): PathEscape | undefined {
  if (PLAIN_PATH.test(written)) return undefined;
  const slashed = forwardSlashes(written);
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return { kind: 'absolute' };
  const normalized = path.posix.normalize(slashed);
  if (normalized === '..' || normalized.startsWith('../')) return { kind: 'parent' };
  return undefined;
}

const realRoots = new Map<string, string>();

/** The root's real path, looked up once per process (roots do not move while stagedocs runs). */
function realRootOf(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    try {
      real = realpathSync.native(root);
    } catch {
      real = path.resolve(root);
    }
    realRoots.set(root, real);
  }
  return real;
}

function isWithin(realRoot: string, candidate: string): boolean {
  return candidate === realRoot || candidate.startsWith(realRoot.endsWith(path.sep) ? realRoot : `${realRoot}${path.sep}`);
}

/**
 * The real path of an absolute path that may not exist (in full): the existing part resolved by the
 * file system, a dangling link followed by hand, the missing rest appended. Undefined for a loop or a
 * link that cannot be read.
 */
function realPathOfPossiblyMissing(absolute: string, hops = 0): string | undefined {
  if (hops > MAX_LINK_HOPS) return undefined;
  try {
    return realpathSync.native(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
  }
  const parent = path.dirname(absolute);
  if (parent === absolute) return absolute;
  const realParent = realPathOfPossiblyMissing(parent, hops);
  if (realParent === undefined) return undefined;
  const candidate = path.join(realParent, path.basename(absolute));
  let info;
  try {
    info = lstatSync(candidate, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (!info?.isSymbolicLink()) return candidate;
  let target: string;
  try {
    target = readlinkSync(candidate);
  } catch {
    return undefined;
  }
  return realPathOfPossiblyMissing(path.resolve(realParent, target), hops + 1);
}

/**
 * Why `written` (a path relative to `root`, as a document or the configuration names it) is not
 * inside the repository, or undefined when it is. Components that do not exist yet are fine: a gate
 * may write the file later, and nothing it writes there can leave the root.
 */
export function pathEscape(root: string, written: string): PathEscape | undefined {
  return pathEscapeChecker(root)(written);
}

/** What one component of a path is: missing (nothing below it exists), a plain entry, or a link and where it leads. */
type ComponentState = 'missing' | 'plain' | 'inside' | PathEscape;

/**
 * `pathEscape` for many paths at once: each component (`docs`, `docs/api`) is looked at once, so
 * thousands of paths under a few folders cost a few file system calls. The answers are a snapshot:
 * make a new checker for each pass over the file system (a validation run, a listing).
 */
export function pathEscapeChecker(root: string): (written: string) => PathEscape | undefined {
  const realRoot = realRootOf(root);
  const states = new Map<string, ComponentState>();
  const stateOf = (prefix: string): ComponentState => {
    let state = states.get(prefix);
    if (state !== undefined) return state;
    let info;
    try {
      info = lstatSync(path.join(root, prefix), { throwIfNoEntry: false });
    } catch {
      info = null;
    }
    if (info === null) state = { kind: 'unresolvable', link: prefix };
    else if (!info) state = 'missing';
    else if (!info.isSymbolicLink()) state = 'plain';
    else {
      const target = realPathOfPossiblyMissing(path.join(root, prefix));
      state = target === undefined ? { kind: 'unresolvable', link: prefix } : isWithin(realRoot, target) ? 'inside' : { kind: 'symlink', link: prefix, target };
    }
    states.set(prefix, state);
    return state;
  };
  return (written) => {
    let segments: string[];
    if (PLAIN_PATH.test(written)) segments = written.split('/');
    else {
      const lexical = lexicalEscape(written);
      if (lexical) return lexical;
      segments = path.posix.normalize(forwardSlashes(written)).split('/').filter((segment) => segment !== '' && segment !== '.');
    }
    let prefix = '';
    for (const segment of segments) {
      prefix = prefix === '' ? segment : `${prefix}/${segment}`;
      const state = stateOf(prefix);
      // Nothing further exists: no later component can be a link.
      if (state === 'missing') return undefined;
      if (typeof state === 'object') return state;
    }
    return undefined;
  };
}

/** What the escape is, as the tail of a sentence about the path: "is absolute", "leaves ...". */
export function describeEscape(escape: PathEscape): string {
  switch (escape.kind) {
    case 'absolute':
      return 'is an absolute path';
    case 'parent':
      return 'climbs out of the repository with `..`';
    case 'symlink':
      return `resolves through the symlink \`${escape.link}\` to \`${escape.target}\`, outside the repository`;
    case 'unresolvable':
      return `goes through the symlink \`${escape.link}\`, which cannot be resolved (a loop, or unreadable)`;
  }
}

/** Characters that make a path segment a glob (picomatch and tinyglobby syntax). */
const GLOB_SEGMENT = /[*?[\]{}()!+@]/;

/**
 * The part of a glob before its first wildcard segment (`src/` of `src/**\/*.ts`): the folder the glob
 * is expanded in, which is what must stay inside the repository. A plain path is its own base.
 */
export function globBase(pattern: string): string {
  const segments = forwardSlashes(pattern).split('/');
  const first = segments.findIndex((segment) => GLOB_SEGMENT.test(segment));
  return first === -1 ? segments.join('/') : segments.slice(0, first).join('/');
}

/**
 * Why a glob is not inside the repository, or undefined: the whole pattern checked lexically (`src/**\/../../x`
 * climbs out), and its base on the file system.
 */
export function globEscape(root: string, pattern: string): PathEscape | undefined {
  return globLexicalEscape(pattern) ?? pathEscape(root, globBase(pattern));
}

/** The lexical half of `globEscape`. `**` may match no folder at all (`src/**\/../../x` reaches `../x`), so it is also checked without them. */
export function globLexicalEscape(pattern: string): PathEscape | undefined {
  if (PLAIN_PATH.test(pattern)) return undefined;
  const shortest = forwardSlashes(pattern)
    .split('/')
    .filter((segment) => segment !== '**')
    .join('/');
  return lexicalEscape(pattern) ?? lexicalEscape(shortest);
}
