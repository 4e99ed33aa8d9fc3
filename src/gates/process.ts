import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MAX_TIMEOUT_SECONDS } from '../model/documents.js';

/** How long a timed-out gate gets between SIGTERM and SIGKILL to clean up. */
const KILL_GRACE_MS = 2000;
/**
 * How long output is still read after the gate's shell exited and its processes were killed. A
 * process that escaped (or that we could not see) may hold the pipes open for ever; after this the
 * pipes are closed on our side and the gate is over.
 */
const DRAIN_MS = 1000;
/** How often the gate's descendants are looked up in /proc while it runs. */
const TRACK_INTERVAL_MS = 150;
/**
 * Set in the environment of every gate command, with a value unique to the run of that command:
 * environments are inherited, so a descendant that left the process group and the session
 * (`setsid sleep 1000 &`) and was re-parented to init is still found by it.
 */
const GATE_MARKER = 'STAGEDOCS_GATE_PROCESS';

interface ProcessOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
  /** Aborting stops every process of the gate like a timeout does (the run was interrupted). */
  signal?: AbortSignal;
  /** Raw output as it arrives, from stdout and stderr alike. */
  onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The run was interrupted (the abort signal fired) while the command ran. */
  interrupted: boolean;
  durationMs: number;
  /** Set when the shell could not be started at all. */
  spawnError?: string;
}

/**
 * The environment a gate command gets: the caller's, without `GIT_INDEX_FILE`. A gate started from a
 * pre-commit hook would otherwise run its own git commands against git's temporary index.
 */
function gateEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && key !== 'GIT_INDEX_FILE' && key !== GATE_MARKER) result[key] = value;
  }
  return result;
}

interface ProcStat {
  ppid: number;
  pgrp: number;
  session: number;
  /** Start time in clock ticks since boot: with the pid, it names one process (pids are reused). */
  start: string;
}

/** Reads /proc/<pid>/stat; undefined when the process is gone or /proc is not there. */
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), pgrp: Number(fields[2]), session: Number(fields[3]), start: fields[19] ?? '' };
}

function hasMarker(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker);
  } catch {
    return false;
  }
}

/**
 * Every process a gate started, found three ways (Linux /proc; elsewhere only the process group is
 * reachable): parent links from the shell (walked while the parents live, so descendants stay known
 * after they are re-parented), the process group and session the shell leads, and the environment
 * marker, which survives `setsid` and re-parenting.
 */
class GateProcesses {
  /** pid -> start time of each process known to belong to the gate. */
  readonly known = new Map<number, string>();
  /** Processes already read and found foreign, by pid and start time. */
  private readonly foreign = new Set<string>();
  private readonly hasProc: boolean;

  constructor(
    private readonly leader: number,
    private readonly marker: string,
  ) {
    let hasProc = false;
    try {
      hasProc = readdirSync('/proc').length > 0 && readStat(process.pid) !== undefined;
    } catch {
      hasProc = false;
    }
    this.hasProc = hasProc;
  }

  /** Looks the gate's processes up again; cheap enough to run a few times a second. */
  scan(): void {
    if (!this.hasProc) return;
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return;
    }
    const stats = new Map<number, ProcStat>();
    for (const entry of entries) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
      const stat = readStat(pid);
      if (stat) stats.set(pid, stat);
    }
    // Forget the known processes that are gone (or whose pid now names another process).
    for (const [pid, start] of this.known) if (stats.get(pid)?.start !== start) this.known.delete(pid);
    for (const [pid, stat] of stats) {
      if (this.known.has(pid)) continue;
      const key = `${pid}:${stat.start}`;
      if (this.foreign.has(key)) continue;
      // An environment is fixed at exec: a process without the marker now never gets it.
      if (pid === this.leader || stat.pgrp === this.leader || stat.session === this.leader || hasMarker(pid, this.marker)) this.known.set(pid, stat.start);
      else this.foreign.add(key);
    }
    // Parent links: children of known processes, to a fixed point (a child may be listed before its parent).
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, stat] of stats) {
        if (!this.known.has(pid) && this.known.has(stat.ppid)) {
          this.known.set(pid, stat.start);
          grew = true;
        }
      }
    }
  }

  /** Signals the process group and every known process that is still the process it was. */
  signal(name: NodeJS.Signals): void {
    this.scan();
    try {
      // A negative pid addresses the process group the detached shell leads.
      process.kill(-this.leader, name);
    } catch {
      // ESRCH: the group is already gone.
    }
    for (const [pid, start] of this.known) {
      if (readStat(pid)?.start !== start) continue;
      try {
        process.kill(pid, name);
      } catch {
        // Gone meanwhile.
      }
    }
  }
}

/**
 * Runs one shell command in its own session and process group (detached), and keeps track of every
 * process it starts, including those that leave the group (`setsid`) or hold the output pipes open.
 * On timeout or abort every one of them gets SIGTERM, then SIGKILL after a grace period. When the
 * shell exits, whatever it left running is killed; output is read for at most DRAIN_MS more, so a
 * pipe that an escaped process holds never makes stagedocs wait.
 */
export function runShellCommand(command: string, options: ProcessOptions): Promise<ProcessResult> {
  if (!(options.timeoutMs > 0) || options.timeoutMs > MAX_TIMEOUT_SECONDS * 1000) {
    throw new RangeError(`timeout ${options.timeoutMs} ms is out of range (0, ${MAX_TIMEOUT_SECONDS * 1000}]`);
  }
  const started = performance.now();
  const marker = `${randomUUID()}`;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.cwd,
      env: { ...gateEnvironment(options.env), [GATE_MARKER]: marker },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const processes = child.pid !== undefined ? new GateProcesses(child.pid, `${GATE_MARKER}=${marker}`) : undefined;
    let timedOut = false;
    let interrupted = false;
    let exitCode: number | null = null;
    let signal: string | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const tracker = setInterval(() => processes?.scan(), TRACK_INTERVAL_MS);
    processes?.scan();
    const stopAll = () => {
      if (killTimer) return;
      processes?.signal('SIGTERM');
      killTimer = setTimeout(() => processes?.signal('SIGKILL'), KILL_GRACE_MS);
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      stopAll();
    }, options.timeoutMs);
    const onAbort = () => {
      interrupted = true;
      stopAll();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    child.stdout.on('data', (chunk: Buffer) => options.onOutput('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => options.onOutput('stderr', chunk));
    const finish = (result: Pick<ProcessResult, 'exitCode' | 'signal' | 'spawnError'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearInterval(tracker);
      if (killTimer) clearTimeout(killTimer);
      if (drainTimer) clearTimeout(drainTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, timedOut, interrupted, durationMs: Math.round(performance.now() - started) });
    };
    child.on('error', (error) => finish({ exitCode: null, signal: null, spawnError: error.message }));
    child.on('exit', (code, exitSignal) => {
      exitCode = code;
      signal = exitSignal;
      // Whatever the shell left running (in its group or escaped from it) is killed: no orphans, and
      // nothing left to hold the output pipes.
      processes?.signal('SIGKILL');
      drainTimer = setTimeout(() => {
        processes?.signal('SIGKILL');
        // Stop reading pipes that something we could not reach still holds.
        child.stdout.destroy();
        child.stderr.destroy();
        finish({ exitCode, signal });
      }, DRAIN_MS);
    });
    child.on('close', () => finish({ exitCode, signal }));
  });
}
