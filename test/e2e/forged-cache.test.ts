import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stage, STAGE_SECTIONS, validTree } from '../helpers/documents.js';
import { cacheFile, git, makeRepo, PROJECT_ROOT, runCli, tempDir } from '../helpers/repo.js';

// A pull-request author can commit anything, even under an ignored path (`git add -f .stagedocs`).
// Older versions read their caches from .stagedocs/ in the work tree, so a crafted cache made a
// fresh clone report a clean repository and a passing run that never happened. The caches now live
// in the git directory; a .stagedocs/ folder is never read, only warned about.
const S00 = 'stages/mvp/00-foundation.md';
const S01 = 'stages/mvp/01-skeleton.md';
const FINGERPRINT = readFileSync(path.join(PROJECT_ROOT, 'dist/build-fingerprint.txt'), 'utf8').trim();
const CACHE_FILES = ['validate-cache.json', 'validate-cache-details.json', 'validate-cache-positions.json', 'validate-result.json', 'evidence-cache.json'];

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The forger's caches for a repository whose P1-S00 is `done` without any run and whose P1-S01 lacks
 * a required section: the facts of the clean P1-S01 under the broken file's hash, and the evidence of
 * a passing run that is not in the repository, keyed as the running build keys them (`fingerprint`).
 */
function forgedCaches(clean: Record<string, string>, broken: string, fingerprint: string): Record<string, string> {
  const facts = JSON.parse(clean['validate-cache.json']!);
  facts.key = facts.key.replace(/^[^:]+:/, `${fingerprint}:`);
  facts.entries[S01].sha = sha256(broken);
  const evidence = JSON.parse(clean['evidence-cache.json']!);
  // No run folder, and no registry file: the one input is missing, as the cache says.
  evidence.key = sha256(JSON.stringify([fingerprint, 'gate_results', []]));
  evidence.stamps = [null];
  const result = JSON.parse(clean['validate-result.json']!);
  result.key = result.key.replace(/^[^:]+:/, `${fingerprint}:`);
  result.findings = [];
  return { ...clean, 'validate-cache.json': JSON.stringify(facts), 'evidence-cache.json': JSON.stringify(evidence), 'validate-result.json': JSON.stringify(result) };
}

/** The forged pull request: `.stagedocs/` force-added, and the repository it describes as clean. */
function forgedRepository(): { origin: string; base: string; forged: Record<string, string>; broken: string } {
  const origin = makeRepo({ '.gitignore': '.stagedocs/\n', ...validTree(), [S00]: stage({ id: 'P1-S00', order: 0, status: 'done' }) });
  const base = git(origin, 'rev-parse', 'HEAD').trim();
  // The caches of a clean repository with a passing run of P1-S00.
  expect(runCli(origin, ['gate', 'run', 'P1-S00']).code).toBe(0);
  expect(JSON.parse(runCli(origin, ['validate', '--format', 'json']).stdout).errorCount).toBe(0);
  const clean = Object.fromEntries(CACHE_FILES.map((name) => [name, readFileSync(cacheFile(origin, name), 'utf8')]));
  // The run is thrown away (an empty, committed gate_results/ keeps the evidence cache in play), P1-S01 loses a section.
  rmSync(path.join(origin, 'gate_results'), { recursive: true });
  mkdirSync(path.join(origin, 'gate_results'));
  writeFileSync(path.join(origin, 'gate_results/.gitkeep'), '');
  const broken = stage({ id: 'P1-S01', order: 1, body: STAGE_SECTIONS.replace(/## Rollback Plan\n[^\n]*\n\n/, '') });
  writeFileSync(path.join(origin, S01), broken);
  const forged = forgedCaches(clean, broken, FINGERPRINT);
  mkdirSync(path.join(origin, '.stagedocs'));
  for (const [name, text] of Object.entries(forged)) writeFileSync(path.join(origin, '.stagedocs', name), text);
  git(origin, 'add', '-A');
  git(origin, 'add', '-f', '.stagedocs');
  git(origin, 'commit', '-q', '-m', 'forged caches');
  return { origin, base, forged, broken };
}

function freshClone(origin: string): string {
  const clone = path.join(tempDir(), 'clone');
  git(path.dirname(clone), 'clone', '-q', origin, clone);
  return clone;
}

/** Puts caches into the clone's own cache folder: what a local process (never a commit) can do. */
function plant(clone: string, caches: Record<string, string>): void {
  mkdirSync(cacheFile(clone), { recursive: true });
  for (const [name, text] of Object.entries(caches)) writeFileSync(cacheFile(clone, name), text);
}

describe('a cache committed under .stagedocs/', () => {
  it('is never read: validate, validate --range --format github, status and audit-pack in a fresh clone report what they report without it, with one warning', () => {
    const { origin, base } = forgedRepository();
    const clone = freshClone(origin);
    expect(readdirSync(path.join(clone, '.stagedocs')).sort()).toEqual([...CACHE_FILES].sort());
    // The same clone without the forged folder: what every command must report.
    const plain = freshClone(origin);
    rmSync(path.join(plain, '.stagedocs'), { recursive: true });

    const uncached = runCli(clone, ['validate', '--format', 'json', '--no-cache']);
    expect(uncached.stderr).toBe('');
    const errors = JSON.parse(uncached.stdout).diagnostics.map((d: { file: string; ruleId: string }) => `${d.file} ${d.ruleId}`);
    expect(errors).toEqual([`${S00} done-needs-passing-run`, `${S01} required-sections`]);
    for (const run of [1, 2]) {
      const validate = runCli(clone, ['validate', '--format', 'json']);
      expect(validate.code, `run ${run}`).toBe(1);
      expect(validate.stdout).toBe(uncached.stdout);
      expect(validate.stderr).toMatch(/^warning: \.stagedocs\/ is ignored: .* it can be deleted\. It is tracked by git: remove it from the repository \(`git rm -r --cached \.stagedocs\/`\)/);
      expect(validate.stderr.split('\n').filter((line) => line.startsWith('warning:'))).toHaveLength(1);
    }
    const range = ['validate', '--range', `${base}..HEAD`, '--format', 'github'];
    const annotations = runCli(clone, range);
    expect(annotations.code).toBe(1);
    expect(annotations.stdout).toBe(runCli(clone, [...range, '--no-cache']).stdout);
    expect(annotations.stdout).toContain('done-needs-passing-run');
    expect(annotations.stderr).toContain('warning: .stagedocs/ is ignored');

    for (const args of [['status', '--format', 'json'], ['audit-pack', '--base', base]]) {
      const forgedRun = runCli(clone, args);
      const plainRun = runCli(plain, args);
      expect(forgedRun.stdout, args[0]).toBe(plainRun.stdout);
      expect(forgedRun.stderr).toContain('warning: .stagedocs/ is ignored');
      expect(plainRun.stderr).not.toContain('warning');
    }
    const status = JSON.parse(runCli(clone, ['status', '--format', 'json']).stdout);
    expect(JSON.stringify(status)).not.toContain('"pass"');
  });

  it('would have turned the verdict green: the same files in the cache folder, keyed by this build, are read', () => {
    // The control: it shows the caches above are potent, so the test above can fail.
    const { origin, forged } = forgedRepository();
    const clone = freshClone(origin);
    rmSync(path.join(clone, '.stagedocs'), { recursive: true });
    plant(clone, forged);
    expect(JSON.parse(runCli(clone, ['validate', '--format', 'json']).stdout).errorCount).toBe(0);
    expect(runCli(clone, ['status', '--format', 'json']).stdout).toContain('"pass"');
  });

  it('is ignored when another build wrote it: every cache is keyed by the build fingerprint', () => {
    const { origin, forged, broken } = forgedRepository();
    const clone = freshClone(origin);
    rmSync(path.join(clone, '.stagedocs'), { recursive: true });
    const uncached = runCli(clone, ['validate', '--format', 'json', '--no-cache']).stdout;
    // The same forged caches as another build would have keyed them.
    plant(clone, forgedCaches(forged, broken, '0123456789abcdef'));
    const validate = runCli(clone, ['validate', '--format', 'json']);
    expect(validate.stdout).toBe(uncached);
    expect(validate.stderr).toBe('');
    expect(runCli(clone, ['status', '--format', 'json']).stdout).not.toContain('"pass"');
    // And the files were rewritten under this build's key.
    expect(JSON.parse(readFileSync(cacheFile(clone, 'validate-cache.json'), 'utf8')).key.startsWith(`${FINGERPRINT}:`)).toBe(true);
  });

  it('warns about an untracked .stagedocs/ too, but not about the schemas `stagedocs schema` writes there, nor with --no-cache', () => {
    const repo = makeRepo({ '.gitignore': '.stagedocs/\n', ...validTree() });
    expect(runCli(repo, ['schema']).code).toBe(0);
    expect(readdirSync(path.join(repo, '.stagedocs'))).toEqual(['schemas']);
    expect(runCli(repo, ['validate']).stderr).toBe('');
    cpSync(cacheFile(repo, 'validate-cache.json'), path.join(repo, '.stagedocs/validate-cache.json'));
    const warned = runCli(repo, ['validate']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('warning: .stagedocs/ is ignored');
    expect(warned.stderr).not.toContain('tracked by git');
    expect(runCli(repo, ['validate', '--no-cache']).stderr).toBe('');
  });
});
