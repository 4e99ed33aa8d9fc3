import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Markers of code that only pretends to be done. Each is a regular expression over one line, with a
 * label for reports. Plain to-do markers count too: a gate that tolerates some sets `max_rate`.
 */
const STUB_MARKERS: ReadonlyArray<[string, RegExp]> = [
  ['NotImplementedError', /\braise\s+NotImplementedError\b/], // stagedocs-allow-stub
  ['501 response', /(?:status(?:_?Code)?|sendStatus|writeHead|code|HTTPStatus)\s*(?:\(|:|=|\.)\s*501\b|\b501\s+Not\s+Implemented\b|\bStatusNotImplemented\b|\bHTTP_501/i], // stagedocs-allow-stub
  ['not implemented', /not[ _-]?(?:yet[ _-]?)?implemented/i], // stagedocs-allow-stub
  ['STUB comment', /(?:#|\/\/|\/\*)\s*STUB\b/], // stagedocs-allow-stub
  ['placeholder comment', /(?:#|\/\/|\/\*)\s*placeholder\b/i], // stagedocs-allow-stub
  ['TODO/FIXME', /\b(?:TODO|FIXME|XXX)\b/], // stagedocs-allow-stub
  ['unimplemented!', /\b(?:unimplemented|todo)!\s*\(/], // stagedocs-allow-stub
  ['stub', /\bstub(?:bed)?\s+(?:implementation|response|handler)\b/i], // stagedocs-allow-stub
];

/**
 * A line holding this pragma is not counted: for code that must spell the markers out (a stub
 * detector, a test of one). It is visible in review, and the scan reports how many lines used it.
 */
const ALLOW_PRAGMA = 'stagedocs-allow-stub';

/** Files larger than this are not scanned (generated bundles, data). */
const MAX_SCAN_BYTES = 2 * 1024 * 1024;

/** How many stub lines of one file are listed with their line (the count covers them all). */
const MAX_LINES_PER_FILE = 20;

interface StubLine {
  line: number;
  marker: string;
  text: string;
}

interface StubHit {
  file: string;
  count: number;
  first: StubLine;
  /** Every stub line of the file, 1-based, at most MAX_LINES_PER_FILE. */
  lines: StubLine[];
}

interface StubScan {
  scanned: number;
  /** Lines with a marker that the pragma allowed. */
  allowed: number;
  skipped: string[];
  files: StubHit[];
}

/** Files matched by `include` minus `exclude`, repository-relative and sorted. */
export async function matchFiles(root: string, include: readonly string[], exclude: readonly string[] = []): Promise<string[]> {
  // Loaded here, not with the module: validate imports this module and never expands globs.
  const { glob } = await import('tinyglobby');
  const found = await glob([...include], {
    cwd: root,
    onlyFiles: true,
    dot: false,
    followSymbolicLinks: false,
    ignore: ['.git/**', '**/node_modules/**', ...exclude],
  });
  return found.sort();
}

/** Scans files for stub markers; binary and oversized files are skipped and listed. */
export async function scanForStubs(root: string, files: readonly string[]): Promise<StubScan> {
  const hits: StubHit[] = [];
  const skipped: string[] = [];
  let scanned = 0;
  let allowed = 0;
  for (const file of files) {
    const bytes = await readFile(path.join(root, file));
    if (bytes.length > MAX_SCAN_BYTES || bytes.subarray(0, 8000).includes(0)) {
      skipped.push(file);
      continue;
    }
    scanned += 1;
    let hit: StubHit | undefined;
    bytes
      .toString('utf8')
      .split(/\r\n?|\n/)
      .forEach((text, index) => {
        for (const [marker, pattern] of STUB_MARKERS) {
          if (!pattern.test(text)) continue;
          if (text.includes(ALLOW_PRAGMA)) {
            allowed += 1;
            break;
          }
          const found = { line: index + 1, marker, text: text.trim().slice(0, 120) };
          if (!hit) hit = { file, count: 0, first: found, lines: [] };
          hit.count += 1;
          if (hit.lines.length < MAX_LINES_PER_FILE) hit.lines.push(found);
          break;
        }
      });
    if (hit) hits.push(hit);
  }
  return { scanned, allowed, skipped, files: hits };
}

/** The files with the most stub lines first (then by path), at most `limit`. */
export function worstFiles(scan: StubScan, limit = 10): StubHit[] {
  return [...scan.files].sort((a, b) => b.count - a.count || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)).slice(0, limit);
}
