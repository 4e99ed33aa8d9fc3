import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alive, gateRepo, gateStage, registryText, runFolders, waitForProcessGone } from '../helpers/gates.js';
import { cacheFile, git, runCli, type CliResult } from '../helpers/repo.js';

/**
 * Issue 13 item 5: file-system faults (a full disk, a read-only mount) in `gate run`, `registry` and
 * the scaffolds end with one clear line naming the file and the errno, exit 2, no stack trace, no
 * gate left running, no half-written file, and a state the next run and `registry --check` describe.
 * The faults are injected into the built CLI by test/helpers/fs-faults.mjs (we run as root, where
 * chmod stops nothing); where a tmpfs can be mounted, a real 1 MB disk is filled too.
 */
const S00 = 'stages/mvp/00-s.md';
const RUN = 'P1-S00_20261121T093000Z';
const FAULTS = fileURLToPath(new URL('../helpers/fs-faults.mjs', import.meta.url));

/** The built CLI with writes under `faultPath` failing with `code` (after `afterBytes` bytes, or at once). */
function runWithFault(dir: string, args: string[], faultPath: string, code: string, afterBytes?: number): CliResult {
  return runCli(dir, args, {
    env: { NODE_OPTIONS: `--import=${FAULTS}`, FAULT_PATH: faultPath, FAULT_CODE: code, ...(afterBytes !== undefined ? { FAULT_AFTER_BYTES: String(afterBytes) } : {}) },
  });
}

/** One `error` line and one `hint:` line, naming the file and the errno, and nothing of a stack trace. */
function expectOneLineError(result: CliResult, file: string, code: string): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at |Error: /);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^error Could not /);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toContain(code);
  expect(lines.slice(1).every((line) => line.startsWith('  hint:'))).toBe(true);
}

/** Every file under a folder with its size: a 0-byte or temporary file would show here. */
function filesUnder(dir: string): Record<string, number> {
  if (!existsSync(dir)) return {};
  const out: Record<string, number> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[path.relative(dir, path.join(entry.parentPath ?? (entry as any).path, entry.name))] = statSync(path.join(entry.parentPath ?? (entry as any).path, entry.name)).size;
  }
  return out;
}

/** A gate that prints 3 MB, then records its pid and sleeps: it must be ended when the log fails. */
const LOUD_GATE = `  - id: loud\n    run: "echo $$ > gate.pid; head -c 3000000 /dev/zero | tr '\\\\0' a; echo; sleep 600"\n    timeout: 900`;
const QUICK_GATE = `  - id: quick\n    run: "echo ok"`;

describe('gate run on a full disk or a read-only mount', () => {
  it('ENOSPC while streaming 3 MB of output: exit 2 naming run.log, the gate is ended, the run is unfinished', async () => {
    const dir = gateRepo({ [S00]: gateStage(LOUD_GATE) }, { 'stagedocs.config.yaml': 'gates:\n  max_log_bytes: 10000000\n' });
    const started = Date.now();
    const result = runWithFault(dir, ['gate', 'run', 'P1-S00'], path.join(dir, 'gate_results'), 'ENOSPC', 1_000_000);
    expectOneLineError(result, `gate_results/${RUN}/run.log`, 'ENOSPC');
    expect(Date.now() - started).toBeLessThan(60_000);
    const pid = Number(readFileSync(path.join(dir, 'gate.pid'), 'utf8'));
    await waitForProcessGone(pid);
    expect(alive(pid)).toBe(false);
    // The evidence written before the failure stays; no report, no temporary file.
    expect(Object.keys(filesUnder(path.join(dir, 'gate_results', RUN))).sort()).toEqual(['command.sh', 'environment.json', 'run.log']);
    expect(existsSync(path.join(dir, 'gate_results', 'gate_registry.csv'))).toBe(false);

    const check = runCli(dir, ['registry', '--check']);
    expect(check.stdout + check.stderr).toContain(RUN);
    expect(check.stdout + check.stderr).toMatch(/unfinished/);
    // The next run, on a disk with room again, counts the unfinished run as a failed attempt.
    const next = runCli(dir, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: '2026-11-21T10:00:00Z' } });
    expect(next.code).toBe(1);
    expect(next.stderr).toContain(`(${RUN}) did not finish (its folder has no report.json) and counts as failed; a rerun needs --decision`);
  }, 120_000);

  it('ENOSPC writing report.md: no 0-byte report.md remains, the run is unfinished', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    // command.sh, environment.json and run.log are small; the budget runs out inside report.md.
    const runDir = path.join(dir, 'gate_results', RUN);
    const budget = sizeOfEarlyEvidence() + 10;
    const result = runWithFault(dir, ['gate', 'run', 'P1-S00'], path.join(dir, 'gate_results'), 'ENOSPC', budget);
    expectOneLineError(result, `gate_results/${RUN}/report.md`, 'ENOSPC');
    expect(result.stderr).toContain('unfinished run');
    const files = filesUnder(runDir);
    expect(Object.keys(files).sort()).toEqual(['command.sh', 'environment.json', 'run.log']);
    expect(Object.values(files).every((size) => size > 0)).toBe(true);
    expect(runCli(dir, ['registry', '--check']).stdout).toMatch(/unfinished/);
  });

  it('ENOSPC writing command.sh, before any gate ran: the run folder is removed, the next run is a first attempt', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    const result = runWithFault(dir, ['gate', 'run', 'P1-S00'], path.join(dir, 'gate_results'), 'ENOSPC', 50);
    expectOneLineError(result, `gate_results/${RUN}/command.sh`, 'ENOSPC');
    expect(result.stderr).toContain('no gate ran and the run folder was removed');
    expect(runFolders(dir)).toEqual([]);
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
  });

  it('EROFS on gate_results: exit 2 naming the folder, nothing is written, the next run is not refused', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    const result = runWithFault(dir, ['gate', 'run', 'P1-S00'], path.join(dir, 'gate_results'), 'EROFS');
    expectOneLineError(result, 'gate_results/', 'EROFS');
    expect(result.stderr).toContain('no gate ran and nothing was written');
    expect(runFolders(dir)).toEqual([]);
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
  });

  for (const code of ['EROFS', 'EACCES']) {
    it(`${code} on the registry after the report: exit 2, the registry unchanged, \`registry\` adds the row`, () => {
      const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
      expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
      const registry = path.join(dir, 'gate_results', 'gate_registry.csv');
      const before = registryText(dir);
      const second = 'P1-S00_20261121T100000Z';
      const result = runCli(dir, ['gate', 'run', 'P1-S00'], {
        env: { STAGEDOCS_NOW: '2026-11-21T10:00:00Z', NODE_OPTIONS: `--import=${FAULTS}`, FAULT_PATH: registry, FAULT_CODE: code },
      });
      expectOneLineError(result, 'gate_results/gate_registry.csv', code);
      expect(result.stderr).toContain('the run finished (PASS)');
      expect(result.stderr).toContain('`stagedocs registry` adds it');
      expect(registryText(dir)).toBe(before);
      expect(existsSync(path.join(dir, 'gate_results', second, 'report.json'))).toBe(true);

      const check = runCli(dir, ['registry', '--check']);
      expect(check.code).toBe(1);
      expect(check.stdout + check.stderr).toContain(`run \`${second}\` has a report.json but no row (missing row)`);
      expect(runCli(dir, ['registry']).code).toBe(0);
      expect(runCli(dir, ['registry', '--check']).code).toBe(0);
    });
  }

  it('ENOSPC appending the registry keeps no part of the row', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    const before = registryText(dir);
    const registry = path.join(dir, 'gate_results', 'gate_registry.csv');
    const result = runCli(dir, ['gate', 'run', 'P1-S00'], {
      env: { STAGEDOCS_NOW: '2026-11-21T10:00:00Z', NODE_OPTIONS: `--import=${FAULTS}`, FAULT_PATH: registry, FAULT_CODE: 'ENOSPC', FAULT_AFTER_BYTES: '40' },
    });
    expectOneLineError(result, 'gate_results/gate_registry.csv', 'ENOSPC');
    expect(registryText(dir)).toBe(before);
  });

  it('EROFS on the lock folder: exit 2 at once naming the lock, not a wait for a lock that can never be made', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    const started = Date.now();
    const lock = cacheFile(dir, 'gate_registry.lock');
    const result = runWithFault(dir, ['registry'], lock, 'EROFS');
    expectOneLineError(result, path.relative(dir, lock), 'EROFS');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('EROFS on a rebuild: `registry` exits 2 and leaves the registry as it was', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    const before = registryText(dir);
    const result = runWithFault(dir, ['registry'], path.join(dir, 'gate_results'), 'EROFS');
    expectOneLineError(result, 'gate_results/gate_registry.csv', 'EROFS');
    expect(registryText(dir)).toBe(before);
    expect(Object.keys(filesUnder(path.join(dir, 'gate_results'))).filter((file) => !file.startsWith(RUN))).toEqual(['gate_registry.csv']);
  });
});

describe('the other writing commands', () => {
  it('ENOSPC in new-stage: exit 2 naming the file, no partial stage file', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    const before = filesUnder(path.join(dir, 'stages'));
    const result = runWithFault(dir, ['new-stage', 'Data layer', '--phase', 'P1', '--gate', 'npm test', '--owner', 'a@example.com', '--estimate', '2'], path.join(dir, 'stages'), 'ENOSPC', 20);
    expectOneLineError(result, 'stages/mvp/01-', 'ENOSPC');
    expect(filesUnder(path.join(dir, 'stages'))).toEqual(before);
  });

  it('ENOSPC in new-phase: the files of the plan written before the failure are removed again', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    const before = filesUnder(path.join(dir, 'stages'));
    const result = runWithFault(dir, ['new-phase', 'backend', '--pattern', 'mvp-backend', '--owner', 'a@example.com'], path.join(dir, 'stages', 'backend'), 'ENOSPC', 3000);
    expectOneLineError(result, 'stages/backend/', 'ENOSPC');
    expect(result.stderr).toMatch(/files? written before it (was|were) removed again/);
    expect(filesUnder(path.join(dir, 'stages'))).toEqual(before);
  });

  it('ENOSPC in new-decision and EROFS in init: exit 2 naming the file, nothing half-written', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    const decision = runWithFault(dir, ['new-decision', 'Pick a database', '--owner', 'a@example.com'], path.join(dir, 'decisions'), 'ENOSPC', 30);
    expectOneLineError(decision, 'decisions/D-', 'ENOSPC');
    expect(filesUnder(path.join(dir, 'decisions'))).toEqual({});
    const empty = gateRepo({});
    const init = runWithFault(empty, ['init', '--yes'], empty, 'EROFS');
    expectOneLineError(init, 'stagedocs.config.yaml', 'EROFS');
    expect(existsSync(path.join(empty, 'stagedocs.config.yaml'))).toBe(false);
  });

  it('EROFS on the cache: validate still succeeds, the cache is only skipped', () => {
    const dir = gateRepo({ [S00]: gateStage(QUICK_GATE) });
    const result = runWithFault(dir, ['validate'], cacheFile(dir), 'EROFS');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

/**
 * The bytes of command.sh, environment.json and run.log of a quick run, measured on a run in another
 * repository of the same shape (temporary folders have names of one length).
 */
function sizeOfEarlyEvidence(): number {
  const probe = gateRepo({ [S00]: gateStage(QUICK_GATE) });
  expect(runCli(probe, ['gate', 'run', 'P1-S00']).code).toBe(0);
  const files = filesUnder(path.join(probe, 'gate_results', RUN));
  return files['command.sh']! + files['environment.json']! + files['run.log']!;
}

/** Mounting needs privileges: the real-disk test runs only where a tmpfs can be mounted. */
function canMount(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s'], { encoding: 'utf8' });
  return probe.status === 0;
}

describe.runIf(canMount())('on a real 1 MB tmpfs', () => {
  it('a gate printing 3 MB fills the disk: exit 2, no orphan, registry --check describes the unfinished run', async () => {
    const dir = gateRepo({ [S00]: gateStage(LOUD_GATE) }, { 'stagedocs.config.yaml': 'gates:\n  max_log_bytes: 10000000\n', 'gate_results/.keep': '' });
    git(dir, 'rm', '-q', '--cached', 'gate_results/.keep');
    const results = path.join(dir, 'gate_results');
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', results]);
    expect(mount.status).toBe(0);
    try {
      const result = runCli(dir, ['gate', 'run', 'P1-S00']);
      expectOneLineError(result, `gate_results/${RUN}/run.log`, 'ENOSPC');
      const pid = Number(readFileSync(path.join(dir, 'gate.pid'), 'utf8'));
      await waitForProcessGone(pid);
      expect(Object.keys(filesUnder(path.join(results, RUN))).sort()).toEqual(['command.sh', 'environment.json', 'run.log']);
      expect(runCli(dir, ['registry', '--check']).stdout).toMatch(/unfinished/);
    } finally {
      spawnSync('umount', [results]);
    }
  }, 120_000);
});
