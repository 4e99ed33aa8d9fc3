import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Config } from '../model/config.js';
import type { DocumentRule } from '../rules/types.js';
import { BUILD_ROOT } from '../util/version.js';
import type { Places } from '../parse/markdown.js';
import type { FileFacts } from './facts.js';

/** A file the facts cache did not know, with its bytes. */
interface FileToParse {
  file: string;
  bytes: Uint8Array;
}

/** Below this many files to parse, starting a worker costs more than it saves. */
const WORKER_THRESHOLD = 400;
/** Files parsed between two turns of the event loop (a few milliseconds of work). */
const YIELD_EVERY = 200;
const WORKER_SCRIPT = BUILD_ROOT && new URL('engine/facts-worker.js', BUILD_ROOT);

/**
 * How many worker threads may help for `wanted`: never more than the cores besides the main thread,
 * nor more than 3, and none when some document rule is not built in (workers run the built-in rules).
 */
export function workerCount(wanted: number | undefined, onlyBuiltInDocumentRules: boolean): number {
  return onlyBuiltInDocumentRules ? Math.min(wanted ?? 0, availableParallelism() - 1, 3) : 0;
}

/**
 * The facts of files the cache did not know, in their order: on the main thread, and for a large
 * batch also in `workers` worker threads, each taking an equal contiguous share. A worker that fails
 * only means its share is computed here, so the result never depends on whether workers ran.
 * `places`: when the documents' frontmatter places are read (parse/document.ts); a worker reads them
 * now, as its message has to carry them.
 */
export async function computeFacts(items: readonly FileToParse[], config: Config, documentRules: readonly DocumentRule[], workers: number, places: Places = 'now'): Promise<FileFacts[]> {
  if (items.length === 0) return [];
  // The parsers (remark among them) load only when some file has to be parsed: a warm run never does.
  const { factsOf } = await import('./facts.js');
  const local = async (share: readonly FileToParse[]) => {
    const facts: FileFacts[] = [];
    for (const [index, { file, bytes }] of share.entries()) {
      // The event loop turns now and then: a git process started alongside (HEAD's history) writes
      // into a pipe, and stops once the pipe is full and nobody reads it.
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
      facts.push(await factsOf(file, bytes, config, documentRules, places));
    }
    return facts;
  };
  // The worker is part of the build; code run from its sources (tests) has none.
  if (workers < 1 || items.length < WORKER_THRESHOLD || !WORKER_SCRIPT || !existsSync(fileURLToPath(WORKER_SCRIPT))) return local(items);
  const script = WORKER_SCRIPT;
  const size = Math.ceil(items.length / (workers + 1));
  const shares = Array.from({ length: workers + 1 }, (_, k) => items.slice(k * size, (k + 1) * size)).filter((share) => share.length > 0);
  const remote = shares.slice(1).map((share) => inWorker(script, share, config).catch(() => local(share)));
  const mine = await local(shares[0]!);
  return [mine, ...(await Promise.all(remote))].flat();
}

/** One share computed by facts-worker.ts, which runs the built-in document rules. */
function inWorker(script: URL, items: readonly FileToParse[], config: Config): Promise<FileFacts[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { config, items } });
    worker.once('message', (facts: FileFacts[]) => {
      resolve(facts);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`facts worker exited with code ${code}`)));
  });
}
