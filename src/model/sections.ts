import type { ParsedDocument, Section } from './documents.js';

/** Section titles compare case-insensitively, with `&` and `and` alike and trailing `:` ignored. */
export function normalizeSectionTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(/\s+&\s+/g, ' and ')
    .replace(/[:\s]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function findSection(doc: Pick<ParsedDocument, 'sections'>, title: string): Section | undefined {
  const wanted = normalizeSectionTitle(title);
  return doc.sections.find((section) => normalizeSectionTitle(section.title) === wanted);
}

/** The required sections of the document's kind, from the configuration. */
export function requiredSectionsOf(kind: ParsedDocument['kind'], kinds: Record<string, { required_sections: string[] }>): string[] {
  if (!kind || kind === 'freeze') return [];
  return kinds[kind]?.required_sections ?? [];
}
