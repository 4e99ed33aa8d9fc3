import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CLI, GIT_ENV, makeRepo, type CliResult } from './repo.js';
import { phase, stage, STAGE_SECTIONS } from './documents.js';

/** A committed repository with phase P1 and the given stages (by default one in-progress stage P1-S00). */
export function gateRepo(stages: Record<string, string>, extra: Record<string, string> = {}): string {
  return makeRepo({ '.gitignore': '.stagedocs/\n', 'stages/mvp/phase.md': phase(), ...stages, ...extra });
}

/** Stage P1-S00 (or another id/order) with these gates, in progress. */
export function gateStage(gates: string, options: { id?: string; order?: number; extra?: string; status?: string } = {}): string {
  return stage({ id: options.id ?? 'P1-S00', order: options.order ?? 0, status: options.status ?? 'in-progress', gates: `gates:\n${gates}`, extra: options.extra ?? '', body: STAGE_SECTIONS });
}

/** Run folders under gate_results/, sorted. */
export function runFolders(dir: string): string[] {
  const results = path.join(dir, 'gate_results');
  if (!existsSync(results)) return [];
  return readdirSync(results, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export function readReport(dir: string, runId: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(dir, 'gate_results', runId, 'report.json'), 'utf8'));
}

export function registryText(dir: string): string {
  return readFileSync(path.join(dir, 'gate_results', 'gate_registry.csv'), 'utf8');
}

/** Runs the built CLI without blocking, for concurrency and kill tests. */
export function startCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...GIT_ENV, STAGEDOCS_NOW: '2026-11-21T09:30:00Z', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { child, done };
}

/** Waits (polling) until a condition holds; fails after a generous limit. */
export async function waitFor(condition: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until no process has this pid (it was killed and reaped). */
export async function waitForProcessGone(pid: number): Promise<void> {
  await waitFor(() => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, `process ${pid} to be gone`);
}

/** A port nothing listens on right now, on 127.0.0.1 (for a test's real server). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
