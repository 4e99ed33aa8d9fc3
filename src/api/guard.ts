import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type picomatchType from 'picomatch';
import { CONFIG_FILES } from '../config/config.js';
import { nearestRoot } from '../git/root.js';
import { fileStamp, racyFrom, storedStamp, unchangedSince, type StoredStamp } from '../engine/stamp.js';
import { readFastYaml } from '../parse/yaml-fast.js';
import { cacheDirOf } from '../util/cache-location.js';
import { codeFingerprint } from '../util/version.js';
import { CACHE_WRITE, writeAtomic } from '../util/write-atomic.js';

const require = createRequire(import.meta.url);

/** Why an edit is refused. */
export type GuardReason = 'stage-protected' | 'phase-protected' | 'must-not-modify' | 'outside-may-modify' | 'evidence';

export interface GuardRefusal {
  reason: GuardReason;
  /** The stage or phase whose contract protects the path; null for the evidence folder. */
  owner: { kind: 'stage' | 'phase'; id: string; file: string; status: string } | null;
  /** The glob that matched (or, for `outside-may-modify`, the globs that did not). */
  pattern: string;
  message: string;
  /** What to do instead. */
  hint: string;
}

export interface GuardRequest {
  /** The folder the edit is made from (a hook's `cwd`): the repository is found upwards from it. */
  cwd: string;
  /** The file about to be edited: absolute, or relative to `cwd`. */
  path: string;
  /** Read and update the guard's index in the git directory (`cacheDirOf`; default true; none outside git). */
  cache?: boolean;
}

export interface GuardVerdict {
  allowed: boolean;
  /** False when the path is not stagedocs's to judge (outside any stagedocs repository): then always allowed. */
  judged: boolean;
  /** The stagedocs root, when one was found. */
  root: string | null;
  /** The path relative to the root (forward slashes), when it is inside it. */
  file: string | null;
  refusals: GuardRefusal[];
}

/**
 * Whether an agent may edit a file, by the contracts in the repository: not a `protected` path of an
 * open stage (status not `done`) or of a phase (open or done), not inside a phase's
 * `agents.must_not_modify`, inside its `agents.may_modify` when that is set, and never the gate
 * evidence. A path outside the repository is not judged. No git call: the repository is the folder
 * of the nearest stagedocs configuration (or `.git`) upwards, and the documents' frontmatter is read
 * through an index in the git directory that only rereads files whose stamp changed, so that the check
 * stays well under a fifth of a second on thousands of stages. Throws `ConfigError` for a bad configuration.
 */
export async function guardEdit(request: GuardRequest): Promise<GuardVerdict> {
  const root = nearestRoot(path.resolve(request.cwd));
  const absolute = path.resolve(request.cwd, request.path);
  if (root === undefined) return { allowed: true, judged: false, root: null, file: null, refusals: [] };
  const relative = path.relative(root, absolute);
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    return { allowed: true, judged: false, root, file: null, refusals: [] };
  }
  const file = relative.split(path.sep).join('/');
  const { contracts, gateResults } = await readContracts(root, request.cache === false ? undefined : cacheDirOf(root));
  const refusals = judge(file, contracts, gateResults);
  return { allowed: refusals.length === 0, judged: true, root, file, refusals };
}

/** What of a phase or stage document the guard needs. */
interface Contract {
  kind: 'stage' | 'phase';
  id: string;
  file: string;
  status: string;
  protected: string[];
  mayModify: string[];
  mustNotModify: string[];
}

function judge(file: string, contracts: readonly Contract[], evidenceFolder: string): GuardRefusal[] {
  const refusals: GuardRefusal[] = [];
  const evidence = evidenceFolder.replace(/\/+$/, '');
  if (file === evidence || file.startsWith(`${evidence}/`)) {
    refusals.push({
      reason: 'evidence',
      owner: null,
      pattern: `${evidence}/**`,
      message: `\`${file}\` is gate evidence: it is written by \`stagedocs gate run\` and never edited`,
      hint: 'Fix the code or the stage instead and rerun the gates (`stagedocs gate run <stage-id>`); after a failure, record the root cause first (`stagedocs new-decision --rerun-of <run-id>`).',
    });
  }
  const mayModify: Array<{ contract: Contract; patterns: string[] }> = [];
  for (const contract of contracts) {
    // A stage's protection ends when it is done; a phase's `protected` and `must_not_modify` hold for
    // its whole life and after (what it produced stays as it was produced), `may_modify` only while open.
    const closed = contract.status === 'done';
    if (closed && contract.kind === 'stage') continue;
    const what = `${contract.kind} ${contract.id} (${contract.file}, status ${contract.status})`;
    for (const pattern of contract.protected) {
      if (!matcher(pattern)(file)) continue;
      refusals.push({
        reason: contract.kind === 'stage' ? 'stage-protected' : 'phase-protected',
        owner: ownerOf(contract),
        pattern,
        message: `\`${file}\` is protected by ${what}, pattern \`${pattern}\`; it may not change ${contract.kind === 'stage' ? 'while the stage is open' : 'during or after the phase'}`,
        hint:
          contract.kind === 'stage'
            ? `Work within the stage's contract (\`stagedocs context ${contract.id}\`); if the change is needed, ask a person to record a decision and change the stage's \`protected:\` list, or to close ${contract.id} first.`
            : `The phase protects it for its whole life; ask a person to record a decision (\`stagedocs new-decision\`) if it must change.`,
      });
    }
    if (contract.kind !== 'phase') continue;
    for (const pattern of contract.mustNotModify) {
      if (!matcher(pattern)(file)) continue;
      refusals.push({
        reason: 'must-not-modify',
        owner: ownerOf(contract),
        pattern,
        message: `\`${file}\` is in \`agents.must_not_modify\` of ${what}, pattern \`${pattern}\``,
        hint: 'Agents do not change it; describe the change you need and ask a person to make it.',
      });
    }
    if (contract.mayModify.length > 0 && !closed) mayModify.push({ contract, patterns: contract.mayModify });
  }
  // With `agents.may_modify` on open phases, an agent changes only what one of them allows.
  if (mayModify.length > 0 && !mayModify.some(({ patterns }) => patterns.some((pattern) => matcher(pattern)(file)))) {
    const first = mayModify[0]!.contract;
    const patterns = mayModify.flatMap((entry) => entry.patterns);
    refusals.push({
      reason: 'outside-may-modify',
      owner: ownerOf(first),
      pattern: patterns.join(', '),
      message: `\`${file}\` is outside \`agents.may_modify\` of phase ${mayModify.map((entry) => entry.contract.id).join(', ')} (${first.file}): agents may change only ${patterns.map((pattern) => `\`${pattern}\``).join(', ')}`,
      hint: 'Keep the change within those paths, or ask a person to widen `agents.may_modify` in the phase document.',
    });
  }
  return refusals;
}

function ownerOf(contract: Contract): GuardRefusal['owner'] {
  return { kind: contract.kind, id: contract.id, file: contract.file, status: contract.status };
}

const matchers = new Map<string, (file: string) => boolean>();

function matcher(pattern: string): (file: string) => boolean {
  let found = matchers.get(pattern);
  if (!found) {
    // Loaded on the first pattern: a repository without protected paths never pays for it.
    const picomatch = require('picomatch') as typeof picomatchType;
    found = picomatch(pattern, { dot: true });
    matchers.set(pattern, found);
  }
  return found;
}

/**
 * The guard's index, `guard-index.txt` in the root's cache folder (`cacheDirOf`, inside the git directory): a header line (JSON: the code fingerprint, when it
 * was written, the configuration file's stamp and the paths it sets), then one line per folder
 * (`D`, its mtime and entries) and per document (`F`, its stamp and, when it has any path patterns and
 * is open, its contract as JSON). Plain lines because the guard runs before every edit: splitting
 * them costs a fraction of parsing the same as one JSON document.
 */
interface IndexHeader {
  fingerprint: string;
  writtenMs: number;
  /** The stamp of the configuration file, or null when there is none. */
  configStamp: StoredStamp | null;
  configFile: string | null;
  stages: string;
  gateResults: string;
}

interface GuardIndex {
  header: IndexHeader;
  folders: Map<string, [mtimeMs: number, entries: string[]]>;
  /** Document -> `size, mtime, ctime, ino, contract JSON or ''`, tab-separated, as the line holds it. */
  files: Map<string, string>;
}

const INDEX_FILE = 'guard-index.txt';

interface Contracts {
  contracts: Contract[];
  gateResults: string;
}

/**
 * The contracts of every phase and stage document under the stages folder. The configuration is read
 * (and checked) only when its file changed; folders whose mtime did not change are not listed again,
 * files whose stamp did not change are not read again (the racy rule of every cache); the index is
 * rewritten only when something changed.
 */
async function readContracts(root: string, cacheDir: string | undefined): Promise<Contracts> {
  const fingerprint = codeFingerprint();
  const indexPath = cacheDir === undefined ? undefined : path.join(cacheDir, INDEX_FILE);
  const previous = indexPath === undefined ? undefined : readIndex(indexPath, fingerprint);
  const racy = previous ? racyFrom(previous.header.writtenMs) : -Infinity;
  const configFile = CONFIG_FILES.find((name) => existsSync(path.join(root, name))) ?? null;
  const configStamp = configFile === null ? undefined : fileStamp(path.join(root, configFile));
  let header: IndexHeader;
  let changed = false;
  if (
    previous &&
    previous.header.configFile === configFile &&
    (configStamp === undefined ? previous.header.configStamp === null : unchangedSince(previous.header.configStamp, configStamp, racy))
  ) {
    header = { ...previous.header, writtenMs: Date.now() };
  } else {
    // Only now the configuration module (and the rule registry it checks names against) is loaded.
    const { loadConfig } = await import('../engine/config.js');
    const { config } = await loadConfig(root);
    header = { fingerprint, writtenMs: Date.now(), configFile, configStamp: configStamp ? storedStamp(configStamp) : null, stages: config.paths.stages, gateResults: config.paths.gate_results };
    changed = true;
  }
  const folders = new Map<string, [number, string[]]>();
  const files = new Map<string, string>();
  const contracts: Contract[] = [];

  const walk = (folder: string): void => {
    const absolute = path.join(root, folder);
    const info = statSync(absolute, { throwIfNoEntry: false });
    if (!info?.isDirectory()) return;
    const known = previous?.folders.get(folder);
    let entries: string[];
    if (known && known[0] === info.mtimeMs && info.mtimeMs < racy) {
      entries = known[1];
    } else {
      changed = true;
      entries = readdirSync(absolute, { withFileTypes: true })
        .filter((entry) => !entry.name.startsWith('.') && !/[\t\n\x1f]/.test(entry.name) && (entry.isDirectory() || (entry.isFile() && entry.name.endsWith('.md') && !/^readme\.md$/i.test(entry.name))))
        .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
        .sort();
    }
    folders.set(folder, [info.mtimeMs, entries]);
    for (const entry of entries) {
      const relative = `${folder}/${entry.replace(/\/$/, '')}`;
      if (entry.endsWith('/')) {
        walk(relative);
        continue;
      }
      const info = statSync(`${absolute}/${entry}`, { throwIfNoEntry: false });
      if (!info) {
        changed = true;
        continue;
      }
      // Compared as text: the index keeps each stamp as the line's text, parsed only when it is used.
      const stamp = `${info.size}\t${info.mtimeMs}\t${info.ctimeMs}\t${info.ino}`;
      const kept = previous?.files.get(relative);
      let contract: Contract | null;
      if (kept !== undefined && kept.startsWith(`${stamp}\t`) && info.mtimeMs < racy && info.ctimeMs < racy) {
        const stored = kept.slice(stamp.length + 1);
        contract = stored === '' ? null : (JSON.parse(stored) as Contract);
      } else {
        changed = true;
        contract = relevant(contractOf(relative, readFileSync(`${absolute}/${entry}`, 'utf8'), entry === 'phase.md' ? 'phase' : 'stage'));
      }
      files.set(relative, `${stamp}\t${contract ? JSON.stringify(contract) : ''}`);
      if (contract) contracts.push(contract);
    }
  };
  walk(path.posix.normalize(header.stages.replace(/\\/g, '/')).replace(/\/+$/, ''));
  if (previous && previous.files.size !== files.size) changed = true;
  if (indexPath !== undefined && changed) {
    // A failed write only means the next check reads the documents again.
    try {
      mkdirSync(cacheDir!, { recursive: true });
      await writeAtomic(indexPath, writeIndex({ header, folders, files }), CACHE_WRITE);
    } catch {
      // ignored: see above
    }
  }
  return { contracts, gateResults: header.gateResults };
}

/** Only a document with path patterns, open or a phase, can refuse an edit; the others are kept as stamps alone. */
function relevant(contract: Contract | null): Contract | null {
  if (!contract || (contract.status === 'done' && contract.kind === 'stage')) return null;
  return contract.protected.length + contract.mayModify.length + contract.mustNotModify.length > 0 ? contract : null;
}

function writeIndex(index: GuardIndex): string {
  const lines = [JSON.stringify(index.header)];
  for (const [folder, [mtime, entries]] of index.folders) lines.push(`D\t${folder}\t${mtime}\t${entries.join('\x1f')}`);
  for (const [file, rest] of index.files) lines.push(`F\t${file}\t${rest}`);
  return `${lines.join('\n')}\n`;
}

function readIndex(file: string, fingerprint: string): GuardIndex | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const lines = text.split('\n');
    const header = JSON.parse(lines[0]!) as IndexHeader;
    if (header.fingerprint !== fingerprint || typeof header.writtenMs !== 'number' || typeof header.stages !== 'string' || typeof header.gateResults !== 'string') return undefined;
    const folders = new Map<string, [number, string[]]>();
    const files = new Map<string, string>();
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index]!;
      if (line === '') continue;
      const second = line.indexOf('\t', 2);
      if (second < 0) return undefined;
      if (line.startsWith('F\t')) {
        files.set(line.slice(2, second), line.slice(second + 1));
      } else if (line.startsWith('D\t')) {
        const fields = line.split('\t');
        if (fields.length !== 4) return undefined;
        folders.set(fields[1]!, [Number(fields[2]), fields[3] === '' ? [] : fields[3]!.split('\x1f')]);
      } else return undefined;
    }
    return { header, folders, files };
  } catch {
    return undefined;
  }
}

/** The contract a document's frontmatter declares; null for a document without a readable one. */
function contractOf(file: string, text: string, implied: 'phase' | 'stage'): Contract | null {
  const data = frontmatter(text);
  if (!data || typeof data.id !== 'string') return null;
  const kind = data.kind === 'phase' || data.kind === 'stage' ? data.kind : implied;
  const agents = typeof data.agents === 'object' && data.agents !== null ? (data.agents as Record<string, unknown>) : {};
  return {
    kind,
    id: data.id,
    file,
    status: typeof data.status === 'string' ? data.status : 'not-started',
    protected: strings(data.protected),
    mayModify: strings(agents.may_modify),
    mustNotModify: strings(agents.must_not_modify),
  };
}

function frontmatter(text: string): Record<string, unknown> | undefined {
  const body = text.replace(/^\uFEFF/, '');
  if (!body.startsWith('---\n') && !body.startsWith('---\r\n')) return undefined;
  const end = /\r?\n---[ \t]*(?:\r?\n|$)/.exec(body.slice(3));
  if (!end) return undefined;
  const yamlText = body.slice(body.indexOf('\n') + 1, 3 + end.index).replace(/\r\n/g, '\n');
  const fast = readFastYaml(yamlText, 2, false);
  if (fast) return fast.data;
  try {
    const { parse } = require('yaml') as typeof import('yaml');
    const data: unknown = parse(yamlText);
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [];
}
