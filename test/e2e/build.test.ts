import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validTree } from '../helpers/documents.js';
import { cacheFile, makeRepo, runCli } from '../helpers/repo.js';

// `npm run build` ends by writing a fingerprint of everything it built; every cache (in the git directory) is
// keyed by it, so a rebuilt or upgraded stagedocs never trusts what older code computed.
const ROOT = path.resolve(import.meta.dirname, '../..');
const FINGERPRINT = path.join(ROOT, 'dist/build-fingerprint.txt');

describe('build fingerprint', () => {
  it('is a hash of the build, the same when the build is the same', () => {
    const written = readFileSync(FINGERPRINT, 'utf8');
    expect(written).toMatch(/^[0-9a-f]{16}\n$/);
    execFileSync('node', [path.join(ROOT, 'scripts/build-fingerprint.mjs')], { cwd: ROOT, stdio: 'pipe' });
    expect(readFileSync(FINGERPRINT, 'utf8')).toBe(written);
  });

  it('keys the caches the built CLI writes', () => {
    const repo = makeRepo(validTree());
    expect(runCli(repo, ['validate']).code).toBe(0);
    const fingerprint = readFileSync(FINGERPRINT, 'utf8').trim();
    for (const file of ['validate-result.json', 'validate-cache.json']) {
      const { key } = JSON.parse(readFileSync(cacheFile(repo, file), 'utf8')) as { key: string };
      expect(key.startsWith(`${fingerprint}:`), file).toBe(true);
    }
  });
});
