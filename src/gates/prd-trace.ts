import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Requirement ids as a requirements document lists them: `REQ-12`, and the common `FR-3` (functional),
 * `NFR-4` (non-functional) and `US-7` (user story) shapes, optionally with a dotted sub-number
 * (`REQ-12.1`).
 */
const REQUIREMENT_ID = /\b(?:REQ|FR|NFR|US)-\d+(?:\.\d+)*\b/g;

/** Requirement ids of a document, unique, in order of first appearance. */
export function requirementIds(text: string): string[] {
  return [...new Set(text.match(REQUIREMENT_ID) ?? [])];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface TraceResult {
  ids: string[];
  referenced: string[];
  unreferenced: string[];
  /** Referenced ids / listed ids; 1 when the document lists none (there is nothing to trace). */
  coverage: number;
  scanned: number;
}

/**
 * Which requirement ids are referenced in the given files. `REQ-1` is not referenced by `REQ-12`
 * nor by `REQ-1.2`: an id must end where the reference ends.
 */
export async function traceRequirements(root: string, ids: readonly string[], files: readonly string[]): Promise<TraceResult> {
  const remaining = new Set(ids);
  const matchers = new Map(ids.map((id) => [id, new RegExp(`\\b${escapeRegExp(id)}(?![\\w.]*\\d)`)]));
  let scanned = 0;
  for (const file of files) {
    if (remaining.size === 0) break;
    const bytes = await readFile(path.join(root, file));
    if (bytes.subarray(0, 8000).includes(0)) continue;
    scanned += 1;
    const text = bytes.toString('utf8');
    for (const id of [...remaining]) if (matchers.get(id)!.test(text)) remaining.delete(id);
  }
  const unreferenced = ids.filter((id) => remaining.has(id));
  const referenced = ids.filter((id) => !remaining.has(id));
  return { ids: [...ids], referenced, unreferenced, coverage: ids.length === 0 ? 1 : referenced.length / ids.length, scanned };
}
