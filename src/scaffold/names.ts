import { UsageError } from '../model/errors.js';
import { UNSAFE_TEXT_CHARS } from '../util/text.js';

/** Letters that NFKD does not decompose into ASCII, spelled the way they are usually transliterated. */
const TRANSLITERATIONS: Record<string, string> = {
  ß: 'ss', æ: 'ae', Æ: 'ae', œ: 'oe', Œ: 'oe', ø: 'o', Ø: 'o', ł: 'l', Ł: 'l', đ: 'd', Đ: 'd', ð: 'd', Ð: 'd', þ: 'th', Þ: 'th', ı: 'i',
};

/** Names Windows refuses as file names, whatever the extension. */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

const MAX_SLUG_LENGTH = 60;

/**
 * A file-name-safe slug from any title: transliterated to ASCII where possible, lowercase, words
 * joined by `-`; never a path separator, `..`, a dot file or a reserved device name. Titles with no
 * Latin letters or digits at all fall back to `fallback`.
 */
export function slugify(title: string, fallback = 'stage'): string {
  const ascii = title
    .replace(/[^\u0000-\u007f]/g, (char) => TRANSLITERATIONS[char] ?? char)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  const slug = ascii
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, '');
  return slug === '' || RESERVED.test(slug) ? (slug === '' ? fallback : `${slug}-${fallback}`) : slug;
}

/** Phase folder names: what a user types, so held to a simple rule and never a path trick. */
const PHASE_SLUG = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;

export function assertPhaseSlug(slug: string): void {
  if (!PHASE_SLUG.test(slug) || slug.includes('..') || RESERVED.test(slug)) {
    throw new UsageError(
      `Invalid phase slug \`${slug}\`, expected lowercase letters, digits, \`-\`, \`_\` or \`.\` (at most 64, starting and ending with a letter or digit)`,
      `Try \`${slugify(slug, 'phase')}\`.`,
    );
  }
}

/** What a single-line title may not hold: every unsafe character of untrusted text, and line breaks and tabs. */
const UNSAFE_TITLE_CHAR = new RegExp(`${UNSAFE_TEXT_CHARS.source}|[\\t\\n\\u2028\\u2029]`);

/**
 * A title goes into frontmatter and a heading, both single-line: control characters and line breaks
 * are refused rather than silently changed.
 */
export function assertTitle(title: string, what = 'title'): string {
  const trimmed = title.trim();
  if (trimmed === '') throw new UsageError(`The ${what} is empty`, `Give a ${what}, e.g. "Primary resource API".`);
  // The schemas refuse the same characters (C0, DEL, C1, bidi overrides): a scaffold must validate.
  if (UNSAFE_TITLE_CHAR.test(trimmed)) {
    throw new UsageError(`The ${what} holds a line break, control character or bidi override`, `Give the ${what} on one line, as plain text (no U+202A-U+202E or U+2066-U+2069).`);
  }
  if (trimmed.length > 200) throw new UsageError(`The ${what} is ${trimmed.length} characters long, expected at most 200`, 'Shorten it; details belong in the document.');
  return trimmed;
}

const MAX_DECISIONS_PER_DAY = 999;

/**
 * `D-<date>-NNN` with NNN one more than the highest number taken that day, by a note's tag or by a
 * file name (a note with broken frontmatter still holds its number).
 */
export function nextDecisionTag(date: string, tags: ReadonlySet<string>, fileNames: readonly string[]): string {
  const prefix = `D-${date}-`;
  let highest = 0;
  for (const name of [...tags, ...fileNames.map((file) => file.replace(/\.md$/i, ''))]) {
    const number = name.startsWith(prefix) ? /^(\d{3,})$/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (number) highest = Math.max(highest, Number(number));
  }
  if (highest >= MAX_DECISIONS_PER_DAY) throw new UsageError(`Decision numbers for ${date} are used up (${MAX_DECISIONS_PER_DAY})`, 'Supersede notes instead of adding more today.');
  return `${prefix}${String(highest + 1).padStart(3, '0')}`;
}

