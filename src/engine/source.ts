import { type Config } from '../model/config.js';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DocumentKind } from '../model/documents.js';
import type { FileSystemFacts, LinkedDocument } from '../model/repository.js';
import { pathEscapeChecker, type PathEscape } from '../util/inside-root.js';
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
  /**
   * Optional: the symlinks the last `list()` found and the real-path check of any path, for sources
   * backed by a file system. The git index has no symlinks to follow (the hook skips them).
   */
  fileSystem?(): FileSystemFacts;
}

/** The folders documents are looked for in, for messages such as "no documents in ...". */
export function documentGlobs(config: Config): string[] {
  const { stages, decisions, freeze, contracts } = config.paths;
  return [`${stages}/**/*.md`, `${decisions}/**/*.md`, `${freeze}/**/*.freeze.json`, `${contracts}/**/*.yaml`];
}

/** The kind a path implies from the configured layout, used when the frontmatter does not say. */
export function kindFromPath(relativePath: string, config: Config): DocumentKind | undefined {
  const inside = (folder: string) => relativePath.startsWith(`${folder.replace(/\/+$/, '')}/`);
  if (inside(config.paths.freeze) && relativePath.endsWith('.json')) return 'freeze';
  if (inside(config.paths.contracts) && relativePath.endsWith('.yaml')) return 'contract';
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
  if (kind === 'contract') return relativePath.endsWith('.yaml');
  return kind === 'freeze' ? relativePath.endsWith('.freeze.json') : relativePath.endsWith('.md');
}

type DocumentFolder = 'stages' | 'decisions' | 'freeze' | 'contracts';
const DOCUMENT_FOLDERS: readonly DocumentFolder[] = ['stages', 'decisions', 'freeze', 'contracts'];
/** The file names each configured folder lists. */
const WANTED: Record<DocumentFolder, (name: string) => boolean> = {
  stages: (name) => name.endsWith('.md'),
  decisions: (name) => name.endsWith('.md'),
  freeze: (name) => name.endsWith('.freeze.json'),
  contracts: (name) => name.endsWith('.yaml'),
};

/**
 * The freeze files of the working tree, listed as validation lists them (nested ones and those read
 * through a link inside the repository included): every freeze document validation can see is here,
 * and a freeze folder that only links into another configured folder may list a few more.
 */
export function listFreezeFiles(root: string, config: Config): string[] {
  return listDocuments(root, config, pathEscapeChecker(root), ['freeze']).files;
}

/**
 * Every document of the working tree, as `documentGlobs` describes them, no dot-files or dot-folders,
 * and every symlink met on the way. A link (to a document or a folder of them) that stays inside the
 * repository is read through, and listed as linked so that validation says so; one that leaves it, or
 * a configured folder that does, is listed as linked and never read. A plain synchronous walk of the
 * three folders: these are fixed shapes, not user globs, and it lists 6,000 documents in a third of
 * the time a glob library takes.
 */
function listDocuments(
  root: string,
  config: Config,
  pathEscape: (relativePath: string) => PathEscape | undefined,
  folders: ReadonlyArray<DocumentFolder> = DOCUMENT_FOLDERS,
): { files: string[]; links: LinkedDocument[] } {
  const found = new Set<string>();
  const links: LinkedDocument[] = [];
  // Real paths of the folders walked: a link to a folder already walked (an ancestor) is not walked again.
  const walked = new Set<string>();
  // Linked folders are walked after the real ones, so that a document is listed at its real path
  // when it has one, rather than through a link to its folder.
  const linkedFolders: Array<[string, (name: string) => boolean]> = [];
  const walk = (folder: string, wanted: (name: string) => boolean): void => {
    const absolute = path.join(root, folder);
    let entries;
    try {
      // The system call: the JavaScript realpath looks at each component in turn (50 ms for 450 folders).
      const real = realpathSync.native(absolute);
      if (walked.has(real)) return;
      walked.add(real);
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch {
      return; // A folder that does not exist (or is not a folder) holds no documents.
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const relative = folder === '.' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        linked(relative, entry.name, wanted);
        continue;
      }
      if (entry.isDirectory()) walk(relative, wanted);
      else if (entry.isFile() && wanted(entry.name) && isNotReadme(relative)) found.add(relative);
    }
  };
  const linked = (relative: string, name: string, wanted: (name: string) => boolean): void => {
    const target = statSync(path.join(root, relative), { throwIfNoEntry: false });
    const folder = target?.isDirectory() ?? false;
    // A link that could not be a document (`notes.txt`) is none of validation's business.
    if (!folder && (!wanted(name) || !isNotReadme(relative))) return;
    const escape = pathEscape(relative);
    if (escape) {
      links.push({ file: relative, folder, escape });
      return;
    }
    if (!target) {
      links.push({ file: relative, folder: false, dangling: true });
      return;
    }
    links.push({ file: relative, folder });
    if (folder) linkedFolders.push([relative, wanted]);
    else if (target.isFile()) found.add(relative);
  };
  const folderOf = (configured: string) => path.posix.normalize(configured.replace(/\\/g, '/')).replace(/\/+$/, '');
  // A configured folder that leaves the repository is not read at all (path-inside-repository reports it).
  const walkConfigured = (configured: string, wanted: (name: string) => boolean) => {
    const folder = folderOf(configured);
    if (pathEscape(folder) === undefined) walk(folder, wanted);
  };
  for (const folder of folders) walkConfigured(config.paths[folder], WANTED[folder]);
  while (linkedFolders.length > 0) walk(...linkedFolders.shift()!);
  return { files: [...found].sort(), links: links.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)) };
}

export function workingTreeSource(root: string, config: Config): DocumentSource {
  let links: LinkedDocument[] = [];
  // One snapshot of the file system per listing: a validation run asks about each folder once.
  let escapeOf = pathEscapeChecker(root);
  // Each file's stamp is taken once per listing: a run that cannot reuse the last findings stamps
  // every file to find that out and again to look its facts up (60 ms at 6,000 documents). A stamp
  // taken before the file is read is what the caches need (see stamp.ts).
  let stamps: Map<string, FileStamp | undefined> | undefined;
  return {
    async list() {
      escapeOf = pathEscapeChecker(root);
      stamps = new Map();
      const listed = listDocuments(root, config, escapeOf);
      links = listed.links;
      return listed.files;
    },
    fileSystem() {
      return { linkedDocuments: links, escapeOf };
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
      if (stamps?.has(relativePath)) return stamps.get(relativePath);
      const stamp = fileStamp(path.join(root, relativePath));
      stamps?.set(relativePath, stamp);
      return stamp;
    },
  };
}
