import type { RepositoryEvidence } from '../engine/repository.js';
import { readRuns } from '../evidence/read.js';
import { checkRegistryFile } from './registry.js';

/** Reads every run folder and checks the registry against them, for the evidence rules of `validate`. */
export async function loadEvidence(root: string, gateResultsDir: string): Promise<RepositoryEvidence> {
  const runs = await readRuns(root, gateResultsDir);
  return { runs, registry: await checkRegistryFile(root, gateResultsDir, runs) };
}
