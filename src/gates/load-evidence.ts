import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { derivedValue } from '../engine/derived-cache.js';
import type { RepositoryEvidence } from '../engine/repository.js';
import { readRuns } from '../evidence/read.js';
import { REGISTRY_FILE } from '../model/evidence.js';
import { checkRegistryFile } from './registry.js';

/** Reads every run folder and checks the registry against them, for the evidence rules of `validate`. */
export async function loadEvidence(root: string, gateResultsDir: string): Promise<RepositoryEvidence> {
  const runs = await readRuns(root, gateResultsDir);
  return { runs, registry: await checkRegistryFile(root, gateResultsDir, runs) };
}

/**
 * The same, reused from `.stagedocs/` while nothing it is made of changed: the names of the run
 * folders, the stamp of every report.json and of the registry (see derived-cache.ts), and the tool.
 * `validate` runs this on every call; reading and checking thousands of reports each time is not needed.
 */
export async function loadEvidenceCached(root: string, gateResultsDir: string, toolVersion: string): Promise<RepositoryEvidence> {
  let folders: string[];
  try {
    folders = (await readdir(path.join(root, gateResultsDir), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return loadEvidence(root, gateResultsDir);
  }
  const files = [...folders.map((name) => path.posix.join(gateResultsDir, name, 'report.json')), path.posix.join(gateResultsDir, REGISTRY_FILE)];
  const key = createHash('sha256').update(JSON.stringify([toolVersion, gateResultsDir, folders])).digest('hex');
  return derivedValue(root, 'evidence-cache', key, files, () => loadEvidence(root, gateResultsDir), isEvidence);
}

/** The minimal shape check that keeps a damaged cache file from reaching the rules. */
function isEvidence(value: unknown): value is RepositoryEvidence {
  const evidence = value as Partial<RepositoryEvidence> | null;
  if (typeof evidence !== 'object' || evidence === null || !Array.isArray(evidence.runs)) return false;
  const registry = evidence.registry;
  if (typeof registry !== 'object' || registry === null || !Array.isArray(registry.problems) || !Array.isArray(registry.unfinished) || !Array.isArray(registry.unreadable)) return false;
  return evidence.runs.every(
    (run) => typeof run === 'object' && run !== null && typeof run.runId === 'string' && typeof run.dir === 'string' && (run.report === undefined || (typeof run.report === 'object' && run.report !== null && Array.isArray(run.report.gates))),
  );
}
