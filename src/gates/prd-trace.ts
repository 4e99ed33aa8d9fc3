import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TraceSource } from '../model/documents.js';

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

/**
 * Test files when a prd-trace gate names none: the usual names of the common test runners (vitest,
 * jest, mocha, pytest, go test, cargo's tests/ folder).
 */
export const DEFAULT_TEST_GLOBS: readonly string[] = ['**/*.test.*', '**/*.spec.*', '**/test_*.py', '**/*_test.py', '**/*_test.go', 'test/**', 'tests/**', '**/__tests__/**'];

/**
 * Ids referenced where `require` asks: from code (files of include that are not tests), from a test,
 * or both (the default). A `// FR-1` comment in code alone does not make FR-1 implemented; a test
 * that names it is the evidence that it works.
 */
export async function traceRequired(
  root: string,
  ids: readonly string[],
  sources: { code: readonly string[]; test: readonly string[] },
  require: readonly TraceSource[],
): Promise<TraceResult & { missingFrom: Record<string, TraceSource[]> }> {
  const bySource = new Map<TraceSource, Set<string>>();
  let scanned = 0;
  for (const source of ['code', 'test'] as const) {
    if (!require.includes(source)) continue;
    const trace = await traceRequirements(root, ids, sources[source]);
    bySource.set(source, new Set(trace.referenced));
    scanned += trace.scanned;
  }
  const missingFrom: Record<string, TraceSource[]> = {};
  for (const id of ids) {
    const missing = require.filter((source) => !bySource.get(source)!.has(id));
    if (missing.length > 0) missingFrom[id] = missing;
  }
  const referenced = ids.filter((id) => missingFrom[id] === undefined);
  const unreferenced = ids.filter((id) => missingFrom[id] !== undefined);
  return { ids: [...ids], referenced, unreferenced, coverage: ids.length === 0 ? 1 : referenced.length / ids.length, scanned, missingFrom };
}
