import { readFile } from 'node:fs/promises';
import { CsvSyntaxError, decodeCell, parseCsv, type CsvRecord } from '../util/csv.js';
import { registryPath } from '../evidence/registry.js';

/** One row of `gate_registry.csv`, by column name (the contract's columns, plus any extra). */
export type RegistryRow = Record<string, string>;

/**
 * Reads the gate registry for display: rows by column name. A missing file means no rows; a
 * formula-neutralising `'` prefix is removed again (`decodeCell`) so values compare with report.json.
 * Only for reading (traceability in audit packs); `stagedocs registry --check` is what verifies the file.
 */
export async function readRegistryRows(root: string, gateResultsDir: string): Promise<RegistryRow[]> {
  return (await registryRowsOnDemand(root, gateResultsDir))();
}

/**
 * The same, with the file read now and parsed on the first call: a pack shows registry rows only for
 * the stages it renders in full, which in a pack of the whole history may be none.
 */
export async function registryRowsOnDemand(root: string, gateResultsDir: string): Promise<() => RegistryRow[]> {
  let text: string;
  try {
    text = await readFile(registryPath(root, gateResultsDir), 'utf8');
  } catch {
    return () => [];
  }
  let rows: RegistryRow[] | undefined;
  return () => (rows ??= registryRowsOf(text));
}

function registryRowsOf(text: string): RegistryRow[] {
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (error) {
    // A broken file is `registry --check`'s to report; a pack shows no rows rather than half-read ones.
    if (error instanceof CsvSyntaxError) return [];
    throw error;
  }
  const [header, ...rows] = records.map((record) => record.cells);
  if (!header) return [];
  return rows
    .filter((row) => row.length > 1 || (row[0] ?? '') !== '')
    .map((row) => Object.fromEntries(header.map((column, index) => [column, decodeCell(row[index] ?? '')])));
}
