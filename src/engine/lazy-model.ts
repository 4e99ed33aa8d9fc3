import { StagedocsError } from '../model/errors.js';
import type { RepositoryModel } from '../model/repository.js';
import type { FileFacts } from './facts.js';
import { FactsCache } from './facts-cache.js';

/**
 * The facts cache no longer holds the facts the reused findings were made from: another stagedocs
 * process rewrote it after this one verified it. `validateRepository` then validates in full; only a
 * caller that reads the model long after validation (`buildModel: 'on-demand'`) can meet it.
 */
export class CacheChangedError extends StagedocsError {
  constructor(cacheDir: string) {
    super(`The validate cache in ${cacheDir} was rewritten by another stagedocs process while this one used it`, undefined, 'Run the command again.');
  }
}

/** A repository model built on first use, and a stand-in for it that builds it when any of its properties is read. */
interface LazyModel {
  /** The model; throws `CacheChangedError` when the facts cache changed since the findings were verified. */
  get(): RepositoryModel;
  /** Reads through to `get()`: a rule that never reads the model (git-fed ones) never causes it to be built. */
  readonly onDemand: RepositoryModel;
}

/**
 * The model of a run that reused the last run's findings: built, only when first read, from the facts
 * the facts cache keeps for exactly the content hashes the reused findings were made from. The
 * result cache verified the facts file unchanged since the run that wrote both, so a missing entry
 * means another process rewrote the cache since.
 */
export function lazyModelFromCache(cacheDir: string, key: string, files: readonly string[], shas: ReadonlyMap<string, string>, build: (facts: FileFacts[]) => RepositoryModel): LazyModel {
  return lazyModel(() => {
    const cache = FactsCache.open(cacheDir, key);
    const facts = files.map((file) => {
      const known = cache.get(file, shas.get(file)!);
      if (!known) throw new CacheChangedError(cacheDir);
      return known;
    });
    return build(facts);
  });
}

/** A model built by `build` on first use (and only then). */
export function lazyModel(build: () => RepositoryModel): LazyModel {
  let model: RepositoryModel | undefined;
  const get = (): RepositoryModel => (model ??= build());
  const onDemand = new Proxy({} as RepositoryModel, { get: (_target, property) => Reflect.get(get(), property) });
  return { get, onDemand };
}
