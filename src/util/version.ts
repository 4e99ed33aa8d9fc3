import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Folder of the package (package.json, templates/, docs/ and dist/). Found upwards from this module,
 * which may run from src/ (tests), dist/ or a chunk of the bundled CLI in dist/chunks/.
 */
export const PACKAGE_ROOT: URL = packageRoot(new URL('./', import.meta.url));

/** The build's folder when the running code is the build; undefined when it runs from its sources. */
export const BUILD_ROOT: URL | undefined = import.meta.url.startsWith(new URL('dist/', PACKAGE_ROOT).href) ? new URL('dist/', PACKAGE_ROOT) : undefined;

/** The package's own version, read once from its package.json. */
export const TOOL_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

function packageRoot(start: URL): URL {
  for (let folder = start; ; folder = new URL('../', folder)) {
    if (existsSync(new URL('package.json', folder)) && existsSync(new URL('templates/', folder))) return folder;
    if (folder.pathname === '/') return new URL('../', start);
  }
}

/**
 * A fingerprint of the code that is running. Part of every cache key, so that a rebuilt or upgraded
 * stagedocs never trusts facts that older code computed. The build writes it (a hash of every file
 * it produced, scripts/build-fingerprint.mjs), because listing and hashing the compiled modules cost
 * every command about 10 ms; code run from its sources (src/*.ts) uses the version plus the size and
 * mtime of every module instead.
 */
export function codeFingerprint(): string {
  // Once per process: the code does not change while it runs, and several caches are keyed by it.
  fingerprint ??= builtFingerprint() ?? computeFingerprint();
  return fingerprint;
}

let fingerprint: string | undefined;

export const BUILD_FINGERPRINT_FILE = 'build-fingerprint.txt';

function builtFingerprint(): string | undefined {
  try {
    if (!BUILD_ROOT) return undefined;
    const written = readFileSync(new URL(BUILD_FINGERPRINT_FILE, BUILD_ROOT), 'utf8').trim();
    return /^[0-9a-f]{16,64}$/.test(written) ? written : undefined;
  } catch {
    return undefined;
  }
}

function computeFingerprint(): string {
  const dir = fileURLToPath(new URL('./', import.meta.url));
  const hash = createHash('sha256').update(TOOL_VERSION);
  try {
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => /\.(?:c?js|ts)$/.test(file)).sort();
    for (const file of files) {
      const stat = statSync(path.join(dir, file));
      hash.update(`${file}:${stat.size}:${stat.mtimeMs}\n`);
    }
  } catch {
    hash.update(String(Date.now()));
  }
  return hash.digest('hex').slice(0, 16);
}
