import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's own version, read once from its package.json (dist/ and src/ are both one level down). */
export const TOOL_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

/** Folder of the package (holds templates/ and docs/). */
export const PACKAGE_ROOT = new URL('../', import.meta.url);

/**
 * A fingerprint of the code that is running. Part of every cache key, so that a rebuilt or upgraded
 * stagedocs never trusts facts that older code computed. The build writes it (a hash of every file
 * it produced, scripts/build-fingerprint.mjs), because listing and hashing the compiled modules cost
 * every command about 10 ms; code run from its sources uses the version plus the size and mtime of
 * every module instead.
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
    const written = readFileSync(new URL(`./${BUILD_FINGERPRINT_FILE}`, import.meta.url), 'utf8').trim();
    return /^[0-9a-f]{16,64}$/.test(written) ? written : undefined;
  } catch {
    return undefined;
  }
}

function computeFingerprint(): string {
  const dir = fileURLToPath(new URL('./', import.meta.url));
  const hash = createHash('sha256').update(TOOL_VERSION);
  try {
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js') || file.endsWith('.cjs')).sort();
    for (const file of files) {
      const stat = statSync(path.join(dir, file));
      hash.update(`${file}:${stat.size}:${stat.mtimeMs}\n`);
    }
  } catch {
    hash.update(String(Date.now()));
  }
  return hash.digest('hex').slice(0, 16);
}
