import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** How long a timed-out gate gets between SIGTERM and SIGKILL to clean up. */
export const KILL_GRACE_MS = 2000;

export interface ProcessOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
  /** Aborting kills the process group like a timeout does (the run was interrupted). */
  signal?: AbortSignal;
  /** Raw output as it arrives, from stdout and stderr alike. */
  onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** Set when the shell could not be started at all. */
  spawnError?: string;
}

/**
 * The environment a gate command gets: the caller's, without `GIT_INDEX_FILE`. A gate started from a
 * pre-commit hook would otherwise run its own git commands against git's temporary index.
 */
export function gateEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && key !== 'GIT_INDEX_FILE') result[key] = value;
  }
  return result;
}

/**
 * Runs one shell command in its own process group (detached), so that a timeout can kill the whole
 * group: Node's own `timeout` option kills only the shell and leaves grandchildren running. On timeout
 * the group gets SIGTERM, then SIGKILL after a grace period. When the shell exits on its own, whatever
 * it left running in its group is killed too: a gate may not leave orphans behind.
 */
export function runShellCommand(command: string, options: ProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.cwd,
      env: gateEnvironment(options.env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let exitCode: number | null = null;
    let signal: string | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const signalGroup = (name: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        // A negative pid addresses the process group the detached shell leads.
        process.kill(-child.pid, name);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stopGroup = () => {
      if (killTimer) return;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      stopGroup();
    }, options.timeoutMs);
    const onAbort = () => stopGroup();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) stopGroup();

    child.stdout.on('data', (chunk: Buffer) => options.onOutput('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => options.onOutput('stderr', chunk));
    const finish = (result: Omit<ProcessResult, 'durationMs' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, timedOut, durationMs: Math.round(performance.now() - started) });
    };
    child.on('error', (error) => finish({ exitCode: null, signal: null, spawnError: error.message }));
    child.on('exit', (code, exitSignal) => {
      exitCode = code;
      signal = exitSignal;
      // Background jobs of the shell still hold the output pipes; without this `close` would wait for them.
      signalGroup('SIGKILL');
    });
    child.on('close', () => finish({ exitCode, signal }));
  });
}
