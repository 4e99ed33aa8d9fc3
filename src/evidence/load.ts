import type { RepositoryEvidence } from '../model/repository.js';
import { readRuns } from './read.js';
import { checkRegistryFile } from './registry.js';

/**
 * The gate evidence the evidence rules read: every run folder, and the registry checked against
 * them. Read in full each time; engine/evidence-cache.ts keeps it between runs.
 */
export async function loadEvidence(root: string, gateResultsDir: string): Promise<RepositoryEvidence> {
  const runs = await readRuns(root, gateResultsDir);
  return { runs, registry: await checkRegistryFile(root, gateResultsDir, runs) };
}
