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
 * the facts cache keeps for exactly the content hashes the reused findings were made from, and the
 * facts this run parsed (`fresh`). For the working tree the result cache verified the facts file
 * unchanged since the run that wrote both, so a missing entry means another process rewrote the
 * cache since; the index never writes the facts cache, so for it a missing entry only means that the
 * model cannot be had without a full run. The members in `known` are read without building it.
 */
export function lazyModelFromCache(
  place: { cacheDir: string; key: string },
  files: readonly string[],
  shaAt: (index: number) => string,
  fresh: ReadonlyMap<string, FileFacts>,
  build: (facts: FileFacts[]) => RepositoryModel,
  known: Partial<RepositoryModel> = {},
): LazyModel {
  return lazyModel(() => {
    const cache = FactsCache.open(place.cacheDir, place.key);
    const facts = files.map((file, index) => {
      const found = fresh.get(file) ?? cache.get(file, shaAt(index));
      if (!found) throw new CacheChangedError(place.cacheDir);
      return found;
    });
    return build(facts);
  }, known);
}

/** A model built by `build` on first use (and only then); the members in `known` are answered without it. */
export function lazyModel(build: () => RepositoryModel, known: Partial<RepositoryModel> = {}): LazyModel {
  let model: RepositoryModel | undefined;
  const get = (): RepositoryModel => (model ??= build());
  const onDemand = new Proxy({} as RepositoryModel, { get: (_target, property) => (Object.hasOwn(known, property) ? Reflect.get(known, property) : Reflect.get(get(), property)) });
  return { get, onDemand };
}
