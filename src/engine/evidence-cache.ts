import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadEvidence } from '../evidence/load.js';
import { EXIT_USAGE, StagedocsError } from '../model/errors.js';
import { REGISTRY_FILE } from '../model/evidence.js';
import type { RepositoryEvidence } from '../model/repository.js';
import { codeFingerprint } from '../util/version.js';
import { EVIDENCE_CACHE } from './cache-files.js';
import { derivedText } from './derived-cache.js';

/**
 * The gate evidence (`loadEvidence`), reused from the root's cache folder while nothing it is made of changed:
 * the names of the run folders, the stamp of every report.json and of the registry (see
 * derived-cache.ts), and the code. `validate` runs this on every call; reading and checking thousands
 * of reports each time is not needed.
 */
export async function loadEvidenceCached(root: string, cacheDir: string, gateResultsDir: string): Promise<RepositoryEvidence> {
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
  const key = createHash('sha256').update(JSON.stringify([codeFingerprint(), gateResultsDir, folders])).digest('hex');
  const { text, hash, computed } = await derivedText(root, cacheDir, EVIDENCE_CACHE, key, files, () => loadEvidence(root, gateResultsDir));
  // The hash of the evidence's JSON text changes whenever any run or the registry check does.
  if (computed) return { ...(computed as RepositoryEvidence), fingerprint: hash };
  return lazyEvidence(text, hash, path.join(cacheDir, `${EVIDENCE_CACHE}.json`));
}

/**
 * Evidence read back from the cache, parsed on first use: a validate that reuses its last findings
 * needs only the fingerprint (2,000 runs are a 2 MB file). The text is the one written (its hash was
 * checked), so a value of the wrong shape means a deliberately edited file: a clear error.
 */
function lazyEvidence(text: string, fingerprint: string, file: string): RepositoryEvidence {
  let value: RepositoryEvidence | undefined;
  const parsed = (): RepositoryEvidence => {
    if (!value) {
      let candidate: unknown;
      try {
        candidate = JSON.parse(text);
      } catch {
        // Reported below.
      }
      if (!isEvidence(candidate)) {
        throw new StagedocsError(`The evidence cache ${file} is damaged`, EXIT_USAGE, `Delete \`${file}\`, or run \`stagedocs validate --no-cache\`.`);
      }
      value = candidate;
    }
    return value;
  };
  return {
    fingerprint,
    get runs() {
      return parsed().runs;
    },
    get registry() {
      return parsed().registry;
    },
  };
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
