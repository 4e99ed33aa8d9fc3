import type { TagRecord } from '../model/approvals.js';
import { type Config } from '../model/config.js';
import { assertValidId } from '../model/ids.js';
import { StagedocsError, UsageError } from '../model/errors.js';
import { runGit, type Env } from './exec.js';
import { isSafeRef, isSha } from './refs.js';

/** An annotated tag as stagedocs reads it back (its fields: model/approvals.ts `TagRecord`). */
export type TagInfo = TagRecord;

/**
 * THE sign-off tag name of a stage or phase, from the configured format (`tags.sign_off`,
 * `tags.phase_sign_off`); the id is checked first (InvalidIdError) and the name must be a safe ref.
 */
export function signOffTagName(config: Config, kind: 'stage' | 'phase', id: string): string {
  assertValidId(id, `${kind} id`);
  const name = kind === 'stage' ? config.tags.sign_off.replaceAll('{stage}', id) : config.tags.phase_sign_off.replaceAll('{phase}', id);
  if (!isSafeRef(name)) {
    throw new UsageError(`The sign-off tag \`${name}\` is not a valid git tag name`, 'Fix `tags.sign_off` / `tags.phase_sign_off` in stagedocs.config.yaml (default `stagedocs/{stage}/signed-off`).');
  }
  return name;
}

/** Reads one tag, or undefined when it does not exist. `name` must come from `signOffTagName`. */
export async function readTag(root: string, name: string, env: Env): Promise<TagInfo | undefined> {
  return (await readTags(root, [name], env))[0];
}

/** Reads the named tags that exist, in one `git for-each-ref`, sorted by name. */
export async function readTags(root: string, names: readonly string[], env: Env): Promise<TagInfo[]> {
  if (names.length === 0) return [];
  const wanted = new Set(names.map((name) => `refs/tags/${name}`));
  // for-each-ref patterns also match prefixes, so keep only the names asked for.
  return (await forEachTag(root, [...wanted], env)).filter((tag) => wanted.has(`refs/tags/${tag.name}`));
}

/**
 * Every tag under `refs/tags/<prefix>`, in one `git for-each-ref`, sorted by name; none when git cannot list
 * them. `prefix` is the fixed part of our own configured tag format (e.g. `stagedocs/`), never user input.
 */
export async function tagsUnder(root: string, prefix: string, env: Env): Promise<TagInfo[]> {
  const start = prefix.replace(/^\/+/, '');
  // for-each-ref matches a pattern without wildcards up to a `/` only (and `*` stops at `/`): list the
  // folder of the prefix, then keep the names that start with it (`stagedocs-{stage}` works too).
  const folder = start.slice(0, start.lastIndexOf('/') + 1);
  try {
    return (await forEachTag(root, [`refs/tags/${folder}`], env)).filter((tag) => tag.name.startsWith(start));
  } catch {
    return [];
  }
}

/** The tags matching for-each-ref `patterns`, each with the commit it points at (annotated tags peeled). */
async function forEachTag(root: string, patterns: readonly string[], env: Env): Promise<TagInfo[]> {
  const output = (
    await runGit(root, ['for-each-ref', '--sort=refname', '--format=%1e%(refname)%00%(*objectname)%00%(objectname)%00%(taggerdate:iso-strict)%00%(objecttype)%00%(taggeremail)%00%(contents)', '--end-of-options', ...patterns], { env })
  ).toString('utf8');
  const tags: TagInfo[] = [];
  for (const record of output.split('\x1e')) {
    const [refname = '', peeled = '', object = '', date = '', type = '', email = '', ...message] = record.split('\0');
    if (!refname.startsWith('refs/tags/')) continue;
    tags.push({
      name: refname.slice('refs/tags/'.length),
      commit: peeled || object,
      date,
      message: message.join('\0').replace(/\n+$/, ''),
      taggerEmail: email.replace(/^<|>$/g, ''),
      annotated: type === 'tag',
    });
  }
  return tags;
}

/**
 * Creates an annotated tag (signed with `sign`) on `commit` with `message` (given on stdin, so its text
 * never becomes an argument), then verifies that the tag exists and points at that commit.
 */
export async function createAnnotatedTag(root: string, name: string, commit: string, message: string, env: Env, options: { sign?: boolean } = {}): Promise<TagInfo> {
  if (!isSafeRef(name) || !isSha(commit)) throw new Error(`createAnnotatedTag needs a checked tag name and a resolved commit`);
  await runGit(root, ['check-ref-format', `refs/tags/${name}`], { env }).catch(() => {
    throw new UsageError(`\`${name}\` is not a valid git tag name`, 'Fix the `tags` formats in stagedocs.config.yaml.');
  });
  // --sign: a signed annotated tag, with the user's gpg.format and user.signingkey (signed approvals).
  await runGit(root, ['tag', options.sign ? '--sign' : '--annotate', '--cleanup=verbatim', '--file=-', '--end-of-options', name, commit], { env, input: message });
  const created = await readTag(root, name, env);
  // An annotated tag object (not a lightweight tag a hook swapped in), pointing at that commit.
  const type = (await runGit(root, ['cat-file', '-t', `refs/tags/${name}`], { env }).catch(() => Buffer.from(''))).toString('utf8').trim();
  if (!created || created.commit !== commit || type !== 'tag') {
    throw new StagedocsError(`git reported success but tag ${name} does not point at ${commit}`, 1, 'Check `git show-ref --tags` and your git hooks.');
  }
  return created;
}

/** Deletes a tag this command has just created and found wrong (`name` checked to be a safe ref). */
export async function deleteTag(root: string, name: string, env: Env): Promise<void> {
  if (!isSafeRef(name)) throw new Error('deleteTag needs a checked tag name');
  await runGit(root, ['tag', '--delete', '--end-of-options', name], { env });
}
