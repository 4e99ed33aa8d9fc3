import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REGISTRY_FILE } from '../model/evidence.js';

/** One row of `gate_registry.csv`, by column name (the contract's columns, plus any extra). */
export type RegistryRow = Record<string, string>;

/**
 * Reads the gate registry for display: rows by column name. A missing file means no rows; a
 * formula-neutralising `'` prefix is removed again so values compare with report.json. Only for
 * reading (traceability in audit packs); `stagedocs registry --check` is what verifies the file.
 */
export async function readRegistryRows(root: string, gateResultsDir: string): Promise<RegistryRow[]> {
  let text: string;
  try {
    text = await readFile(path.join(root, gateResultsDir, REGISTRY_FILE), 'utf8');
  } catch {
    return [];
  }
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows
    .filter((row) => row.length > 1 || (row[0] ?? '') !== '')
    .map((row) => Object.fromEntries(header.map((column, index) => [column, unneutralise(row[index] ?? '')])));
}

function unneutralise(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
