import type { ParsedDocument, Section } from './documents.js';

/** Titles repeat across thousands of documents; normalising each distinct one once saves the regexes. */
const normalized = new Map<string, string>();
const MAX_REMEMBERED = 10_000;

/** Section titles compare case-insensitively, with `&` and `and` alike and trailing `:` ignored. */
export function normalizeSectionTitle(title: string): string {
  let result = normalized.get(title);
  if (result === undefined) {
    result = normalizeUncached(title);
    if (normalized.size < MAX_REMEMBERED) normalized.set(title, result);
  }
  return result;
}

function normalizeUncached(title: string): string {
  return title
    .toLowerCase()
    .replace(/\s+&\s+/g, ' and ')
    .replace(/[:\s]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The first section whose title matches. The rules look up several titles in each document in turn
 * (every required section, twice), and a document's own title is unique (the memo above misses it in
 * a large repository): the titles of the last document asked about are kept normalised. A document's
 * sections are never changed after parsing, so the array itself says whether they are the same.
 */
export function findSection(doc: Pick<ParsedDocument, 'sections'>, title: string): Section | undefined {
  const { sections } = doc;
  if (lastTitles?.sections !== sections) {
    const byTitle = new Map<string, Section>();
    for (const section of sections) {
      const normalizedTitle = normalizeSectionTitle(section.title);
      if (!byTitle.has(normalizedTitle)) byTitle.set(normalizedTitle, section);
    }
    lastTitles = { sections, byTitle };
  }
  return lastTitles.byTitle.get(normalizeSectionTitle(title));
}

let lastTitles: { sections: readonly Section[]; byTitle: ReadonlyMap<string, Section> } | undefined;

/** The section a phase with the structured exit fills in with what it leaves for the next phase (docs/phases.md). */
export const GAPS_SECTION = 'Gaps';

/**
 * A phase's Gaps section when it is not filled in (`section` undefined: there is none; else it is
 * empty), or undefined when it has content. One judgement for the phase sign-off (audit/assess.ts)
 * and `validate` (rule required-sections).
 */
export function unfilledGaps(doc: Pick<ParsedDocument, 'sections'>): { section: Section | undefined } | undefined {
  const section = findSection(doc, GAPS_SECTION);
  return section && !section.empty ? undefined : { section };
}

/** The required sections of the document's kind, from the configuration. */
export function requiredSectionsOf(kind: ParsedDocument['kind'], kinds: Record<string, { required_sections: string[] }>): string[] {
  if (!kind || kind === 'freeze') return [];
  return kinds[kind]?.required_sections ?? [];
}
