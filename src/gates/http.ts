import net from 'node:net';
import vm from 'node:vm';
import type { GateSpec, HttpRequestSpec } from '../model/documents.js';
import type { ProcessResult } from './process.js';
import type { GateMeasurement } from '../model/evidence.js';
import { singleMeasurement } from '../model/measurements.js';

/**
 * The `http` gate: starts a server command (through the gate process runner, so it runs in its own
 * process group and every process it starts is stopped afterwards), waits a bounded time until a URL
 * or a port answers, sends the requests with Node's fetch, and checks each status and body. This is
 * "the API starts and /healthz answers", "an invalid transition returns 409" and "no 501s" without a
 * script of the user's own. stagedocs connects only to what the gate names; it binds nothing.
 */

/** Seconds the server gets to answer when `ready.timeout` is not given. */
const DEFAULT_READY_SECONDS = 30;
const POLL_MS = 100;
/** How long one request may take; a server that hangs fails the request, not the whole run. */
const REQUEST_TIMEOUT_MS = 30_000;
/** The most of a response body read for `body_matches`. */
const MAX_BODY_CHARS = 1024 * 1024;
/**
 * How long one `body_matches` may take. The pattern comes from the repository (a pull request may
 * write it) and a regular expression can backtrack for hours; a gate's timeout cannot stop
 * synchronous code, a vm timeout can.
 */
const MATCH_TIMEOUT_MS = 1000;

/** Whether the body matches; undefined when matching took longer than MATCH_TIMEOUT_MS. */
function bodyMatches(pattern: string, body: string): boolean | undefined {
  try {
    return vm.runInNewContext('new RegExp(pattern).test(body)', { pattern, body }, { timeout: MATCH_TIMEOUT_MS }) === true;
  } catch {
    return undefined;
  }
}

type Measurement = { outcome: 'pass' | 'fail' | 'error' | 'timeout' | 'interrupted'; summary: string; measured?: { value: number; min?: number }; measurements?: GateMeasurement[]; details?: Record<string, unknown> };

interface RequestResult {
  request: string;
  status: number | null;
  expected: number;
  ok: boolean;
  /** Why it did not meet its expectation. */
  problem?: string;
}

/** Starts a command and stops it when `signal` aborts; resolves when every process of it ended. */
type StartCommand = (command: string, signal: AbortSignal) => Promise<ProcessResult>;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function urlAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** The origin the requests' paths are relative to. */
function baseOf(gate: GateSpec): string | undefined {
  if (gate.ready?.url !== undefined) {
    try {
      return new URL(gate.ready.url).origin;
    } catch {
      return undefined;
    }
  }
  return gate.ready?.port !== undefined ? `http://127.0.0.1:${gate.ready.port}` : undefined;
}

/** What is wrong with the gate as written, before anything starts. */
function specProblem(gate: GateSpec): string | undefined {
  if (gate.start === undefined) return 'an `http` gate needs `start`, the command that starts the server';
  if (gate.ready?.url === undefined && gate.ready?.port === undefined) return 'an `http` gate needs `ready: { url }` or `ready: { port }`';
  if (baseOf(gate) === undefined) return `\`ready.url\` ${JSON.stringify(gate.ready?.url)} is not a URL`;
  if (!gate.requests || gate.requests.length === 0) return 'an `http` gate needs `requests`';
  for (const [index, request] of gate.requests.entries()) {
    if (request.path === undefined && request.url === undefined) return `request ${index + 1} has neither \`path\` nor \`url\``;
    if (request.expect.body_matches !== undefined) {
      try {
        new RegExp(request.expect.body_matches);
      } catch (error) {
        return `request ${index + 1}: \`body_matches\` is not a regular expression: ${(error as Error).message}`;
      }
    }
  }
  return undefined;
}

async function send(request: HttpRequestSpec, base: string, forbidden: ReadonlySet<number>): Promise<RequestResult> {
  const method = (request.method ?? 'GET').toUpperCase();
  const url = request.url ?? `${base}${request.path}`;
  const shown = `${method} ${request.path ?? request.url}`;
  const expected = request.expect.status;
  let response: Response;
  try {
    response = await fetch(url, { method, headers: request.headers, body: request.body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { request: shown, status: null, expected, ok: false, problem: `no response (${cause}), expected ${expected}` };
  }
  const body = (await response.text().catch(() => '')).slice(0, MAX_BODY_CHARS);
  const status = response.status;
  if (forbidden.has(status)) return { request: shown, status, expected, ok: false, problem: `${status}, which no_status forbids` };
  if (status !== expected) return { request: shown, status, expected, ok: false, problem: `${status}, expected ${expected}` };
  if (request.expect.body_matches !== undefined) {
    const matched = bodyMatches(request.expect.body_matches, body);
    if (matched === undefined) return { request: shown, status, expected, ok: false, problem: `matching the body against /${request.expect.body_matches}/ took over ${MATCH_TIMEOUT_MS} ms (a pattern that backtracks), expected a match` };
    if (!matched) return { request: shown, status, expected, ok: false, problem: `the body does not match /${request.expect.body_matches}/` };
  }
  return { request: shown, status, expected, ok: true };
}

export async function measureHttp(gate: GateSpec, start: StartCommand): Promise<Measurement> {
  const problem = specProblem(gate);
  if (problem) return { outcome: 'error', summary: problem };
  const base = baseOf(gate)!;
  const stop = new AbortController();
  let exited: ProcessResult | undefined;
  const server = start(gate.start!, stop.signal).then((result) => (exited = result));
  const readyWithin = (gate.ready!.timeout ?? DEFAULT_READY_SECONDS) * 1000;
  const deadline = Date.now() + readyWithin;
  const target = gate.ready!.url ?? `127.0.0.1:${gate.ready!.port}`;
  let ready = false;
  try {
    while (!ready && exited === undefined && Date.now() < deadline) {
      ready = gate.ready!.url !== undefined ? await urlAnswers(gate.ready!.url) : await portAnswers(gate.ready!.port!);
      if (!ready) await wait(POLL_MS);
    }
    if (!ready) {
      if (exited?.interrupted) return { outcome: 'interrupted', summary: 'interrupted: stagedocs was stopped before the server answered, and stopped every process of the server' };
      if (exited?.timedOut) return { outcome: 'timeout', summary: `timed out (the gate's timeout) before ${gate.ready!.url ?? `127.0.0.1:${gate.ready!.port}`} answered; every process of the server was stopped` };
      const why = exited
        ? `the server command exited (${exited.spawnError ?? (exited.exitCode !== null ? `exit ${exited.exitCode}` : `killed by ${exited.signal ?? 'a signal'}`)}) before ${target} answered`
        : `${target} did not answer within ${readyWithin / 1000} s of starting the server`;
      return { outcome: 'fail', summary: why, details: { ready: target } };
    }
    const forbidden = new Set(gate.no_status ?? []);
    const results: RequestResult[] = [];
    for (const request of gate.requests!) results.push(await send(request, base, forbidden));
    const failed = results.filter((result) => !result.ok);
    const passed = results.length - failed.length;
    const summary = `${passed} of ${results.length} requests answered as expected`;
    return {
      outcome: failed.length === 0 ? 'pass' : 'fail',
      summary: failed.length === 0 ? summary : `${summary}; ${failed.slice(0, 3).map((result) => `${result.request}: ${result.problem}`).join('; ')}${failed.length > 3 ? '; ...' : ''}`,
      measured: { value: passed, min: results.length },
      measurements: [singleMeasurement('http', passed, { min: results.length })],
      details: { ready: target, requests: results },
    };
  } finally {
    // Stops the server's whole process group (SIGTERM, then SIGKILL) and waits until it is gone.
    stop.abort();
    await server;
  }
}
