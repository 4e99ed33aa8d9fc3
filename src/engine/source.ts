import { type Config } from '../model/config.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DocumentKind } from '../model/documents.js';
import { fileStamp, type FileStamp } from './stamp.js';

/**
 * Where documents come from: the working tree, or (for the pre-commit hook) the git index. The engine
 * only sees repository-relative paths and bytes, so the same rules check both.
 */
export interface DocumentSource {
  /** Repository-relative paths of every document, sorted. */
  list(): Promise<string[]>;
  read(relativePath: string): Promise<Uint8Array>;
  exists(relativePath: string): boolean;
  /**
   * Optional: the file's stamp (size, mtime, ctime, inode), which lets the cache skip reading files
   * that did not change. Sources without a file system behind them (the git index) leave it out.
   */
  stamp?(relativePath: string): FileStamp | undefined;
  /**
   * Optional: the git blob id of the file's bytes when the source knows it without reading them (the
   * index lists it), which lets the cache skip reading files it knows by blob id.
   */
  blobId?(relativePath: string): string | undefined;
}

/** The folders documents are looked for in, for messages such as "no documents in ...". */
export function documentGlobs(config: Config): string[] {
  const { stages, decisions, freeze } = config.paths;
  return [`${stages}/**/*.md`, `${decisions}/**/*.md`, `${freeze}/**/*.freeze.json`];
}

/** The kind a path implies from the configured layout, used when the frontmatter does not say. */
export function kindFromPath(relativePath: string, config: Config): DocumentKind | undefined {
  const inside = (folder: string) => relativePath.startsWith(`${folder.replace(/\/+$/, '')}/`);
  if (inside(config.paths.freeze) && relativePath.endsWith('.json')) return 'freeze';
  if (inside(config.paths.decisions)) return 'decision';
  if (inside(config.paths.stages)) return path.posix.basename(relativePath) === 'phase.md' ? 'phase' : 'stage';
  return undefined;
}

/** README files explain a folder; they are not documents. */
function isNotReadme(relativePath: string): boolean {
  return !/^readme\.md$/i.test(path.posix.basename(relativePath));
}

/** Whether a repository-relative path is one `listDocuments` would list (the file need not exist). */
export function isDocumentPath(relativePath: string, config: Config): boolean {
  const kind = kindFromPath(relativePath, config);
  if (!kind || !isNotReadme(relativePath) || relativePath.split('/').some((segment) => segment.startsWith('.'))) return false;
  return kind === 'freeze' ? relativePath.endsWith('.freeze.json') : relativePath.endsWith('.md');
}

/**
 * Every document of the working tree, as `documentGlobs` describes them: regular files only (a symlink
 * can point out of the repository, and the index source skips symlinks too), no dot-files or
 * dot-folders. A plain synchronous walk of the three folders: these are fixed shapes, not user globs,
 * and it lists 6,000 documents in a third of the time a glob library takes.
 */
function listDocuments(root: string, config: Config): string[] {
  const { stages, decisions, freeze } = config.paths;
  const found = new Set<string>();
  const walk = (folder: string, wanted: (name: string) => boolean): void => {
    let entries;
    try {
      entries = readdirSync(path.join(root, folder), { withFileTypes: true });
    } catch {
      return; // A folder that does not exist (or is not a folder) holds no documents.
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const relative = folder === '.' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(relative, wanted);
      else if (entry.isFile() && wanted(entry.name) && isNotReadme(relative)) found.add(relative);
    }
  };
  const folder = (configured: string) => path.posix.normalize(configured.replace(/\\/g, '/')).replace(/\/+$/, '');
  walk(folder(stages), (name) => name.endsWith('.md'));
  walk(folder(decisions), (name) => name.endsWith('.md'));
  walk(folder(freeze), (name) => name.endsWith('.freeze.json'));
  return [...found].sort();
}

export function workingTreeSource(root: string, config: Config): DocumentSource {
  return {
    async list() {
      return listDocuments(root, config);
    },
    // Synchronous reads: thousands of small files read faster one after the other than through
    // thousands of concurrent promises (open, fstat, read and close each cost a round trip).
    async read(relativePath) {
      return readFileSync(path.join(root, relativePath));
    },
    exists(relativePath) {
      return existsSync(path.join(root, relativePath));
    },
    stamp(relativePath) {
      return fileStamp(path.join(root, relativePath));
    },
  };
}
