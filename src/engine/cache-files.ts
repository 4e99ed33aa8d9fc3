/**
 * The files the caches keep in the cache folder of a stagedocs root (`cacheDirOf` in
 * util/cache-location.ts: inside the git directory, where no commit can put them): their names in
 * one place, so that no two caches ever share a file by mistake. Every cache is keyed by the running
 * code's fingerprint (`codeFingerprint`), so another build's files are never used.
 */

/**
 * Where versions up to 0.2 kept the caches: a folder of the work tree, which `git add -f` can commit.
 * Never read any more; only named to warn about it (git/stray-cache.ts) and to keep it out of the
 * dirty check of gate runs.
 */
export const WORK_TREE_CACHE_DIR = '.stagedocs';

/** The facts cache (facts-cache.ts): what the repository model reads, one entry per document. */
export const FACTS_FILE = 'validate-cache.json';
/** Its side file with the bodies, coerced values and sections. */
export const DETAILS_FILE = 'validate-cache-details.json';
/** Its side file with the frontmatter positions. */
export const POSITIONS_FILE = 'validate-cache-positions.json';
/** The entries that differ from those of the facts file, while they are few (facts-cache.ts). */
export const FACTS_DELTA_FILE = 'validate-cache-delta.json';

/** The findings of the last whole run with the gate evidence (result-cache.ts): `validate`. */
export const RESULT_FILE = 'validate-result.json';
/**
 * The findings of runs made without the gate evidence (status, audit-pack) are kept apart from those
 * of `validate`: their key differs, so one file would be a miss for each every time the other ran.
 */
export const RESULT_FILE_WITHOUT_EVIDENCE = 'validate-result-without-evidence.json';
/**
 * The findings of the last run over the git index (the pre-commit hook), whose files are known by
 * their blob ids rather than by stamps: kept apart, so that a commit and the working tree's runs do
 * not take turns at one file.
 */
export const RESULT_FILE_INDEX = 'validate-result-index.json';

/** The gate evidence as `validate` last loaded it (evidence-cache.ts, a derived value). */
export const EVIDENCE_CACHE = 'evidence-cache';

/**
 * HEAD's history (every commit reachable from it) with the commit it is the history of
 * (git/history-cache.ts): a later HEAD that descends from it asks git only for the commits since.
 */
export const HEAD_HISTORY_FILE = 'head-history-commits.json';

/**
 * What the record-integrity rules found in the changes of HEAD's history, with that HEAD
 * (git/record-history-cache.ts): a later HEAD that descends from it reads only the commits since.
 */
export const RECORD_HISTORY_FILE = 'record-history-changes.json';
