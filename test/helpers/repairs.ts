import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, GIT_ENV, PROJECT_ROOT, tempDir } from './repo.js';

/**
 * The documented repairs of a rule page: the fenced blocks whose info string is `sh repair` (for the
 * finding the page's own test sets up) or `sh repair <fixture>` (for that golden fixture of the rule),
 * keyed by fixture name ('' for the plain block).
 */
export function repairBlocks(ruleId: string): Map<string, string> {
  const page = readFileSync(path.join(PROJECT_ROOT, 'docs/rules', `${ruleId}.md`), 'utf8');
  return new Map([...page.matchAll(/^```sh repair(?: ([\w-]+))?\n([\s\S]*?)^```$/gm)].map((match) => [match[1] ?? '', match[2]!] as const));
}

let bin: string | undefined;
/** A folder with `stagedocs` (the built CLI) in it, for PATH. */
function cliBin(): string {
  if (bin) return bin;
  bin = tempDir();
  writeFileSync(path.join(bin, 'stagedocs'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  chmodSync(path.join(bin, 'stagedocs'), 0o755);
  return bin;
}

/** Runs a repair block with `sh -e` in a repository, the built CLI as `stagedocs`; returns its exit status and stderr. */
export function performRepair(repo: string, script: string, env: Record<string, string>): { code: number; stderr: string } {
  const result = spawnSync('sh', ['-e', '-c', script], {
    cwd: repo,
    env: { ...GIT_ENV, ...env, PATH: `${cliBin()}:${process.env.PATH}`, GIT_EDITOR: 'true', STAGEDOCS_NOW: '2026-11-21T09:30:00Z' },
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stderr: result.stderr };
}
