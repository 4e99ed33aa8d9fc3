import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { shellQuote } from '../util/shell-quote.js';
import { writeAtomic, writeExclusive } from '../util/write-atomic.js';
import type { Template } from '../render/templates.js';
import { gateType, type GateSpec } from '../model/documents.js';
import { buildCommand } from './build.js';
import { ARTIFACTS_DIR, REGISTRY_FILE, type RunReport } from '../model/evidence.js';
import { formatMeasuredValue, formatTarget } from '../model/measurements.js';
import { UsageError } from '../model/errors.js';
import { describeEscape, pathEscape } from '../util/inside-root.js';
import { loadTemplate } from '../render/templates.js';
import type { GitState } from '../git/worktree-status.js';
import { redactValues, type Redactor } from './redact.js';
import { asFileSystemError } from '../model/errors.js';

/** `20261121T093000Z`: the UTC timestamp of a run id, safe in file names on every OS. */
function runTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * Evidence is written only inside the repository: a `gate_results` folder or registry file that is
 * (or lies under) a symlink out of it is refused with exit 2 before anything is written.
 */
export function assertEvidenceInsideRoot(root: string, gateResultsDir: string): void {
  for (const target of [gateResultsDir, path.posix.join(gateResultsDir.replace(/\\/g, '/'), REGISTRY_FILE)]) {
    const escape = pathEscape(root, target);
    if (!escape) continue;
    throw new UsageError(
      `\`${target}\` ${describeEscape(escape)}: stagedocs writes gate evidence only inside the repository; nothing was written`,
      `Make \`${escape.kind === 'symlink' || escape.kind === 'unresolvable' ? escape.link : gateResultsDir}\` a real folder or file of the repository (\`stagedocs validate\` reports it as path-inside-repository).`,
    );
  }
}

/**
 * Creates the run's folder exclusively: `<stage-id>_<timestamp>`, or with `-2`, `-3`, ... when a run
 * of the same stage started in the same second. An existing folder is never reused.
 */
export async function createRunFolder(root: string, gateResultsDir: string, stageId: string, startedAt: Date): Promise<{ runId: string; dir: string }> {
  assertEvidenceInsideRoot(root, gateResultsDir);
  await mkdir(path.join(root, gateResultsDir), { recursive: true });
  const base = `${stageId}_${runTimestamp(startedAt)}`;
  for (let attempt = 1; ; attempt += 1) {
    const runId = attempt === 1 ? base : `${base}-${attempt}`;
    const dir = path.join(root, gateResultsDir, runId);
    try {
      await mkdir(dir);
      return { runId, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 1000) throw error;
    }
  }
}

/** command.sh: the exact commands of the run, in order, runnable by hand from the repository root. */
export function renderCommandScript(stageId: string, gates: readonly GateSpec[], timeouts: readonly number[], redact: Redactor): string {
  const lines = ['#!/bin/sh', `# stagedocs gate run ${stageId}: the commands, in order, as run from the repository root.`, 'cd "$(git rev-parse --show-toplevel)" || exit 2', ''];
  gates.forEach((gate, index) => {
    const kind = gateType(gate);
    lines.push(`# gate ${gate.id} (${kind}, ${gate.severity ?? 'blocking'}, timeout ${timeouts[index]}s)`);
    const build = buildCommand(gate);
    if (gate.needs?.length) lines.push(`# runs only when ${gate.needs.join(', ')} passed`);
    if (gate.run !== undefined) lines.push(`sh -c ${shellQuote(redact(gate.run))}`);
    else if (build !== undefined) lines.push(`sh -c ${shellQuote(redact(build))}`);
    else if (gate.start !== undefined) lines.push(`# the server, started in the background and stopped after the requests: sh -c ${shellQuote(redact(gate.start))}`);
    else lines.push(`# measured by stagedocs: no command`);
    lines.push('');
  });
  return lines.join('\n');
}

interface EnvironmentSnapshot {
  host: string;
  os: { platform: string; release: string; arch: string };
  node: string;
  stagedocs: string;
  git: GitState;
  /** The working directory of the gates (the repository root), absolute. */
  cwd: string;
}

export function environmentSnapshot(root: string, nodeVersion: string, toolVersion: string, git: GitState): EnvironmentSnapshot {
  return {
    host: os.hostname(),
    os: { platform: os.platform(), release: os.release(), arch: os.arch() },
    node: nodeVersion,
    stagedocs: toolVersion,
    git,
    cwd: root,
  };
}

/**
 * Writes a file that may not exist yet in the run folder (a run folder's files are written once),
 * whole or not at all: a full disk never leaves a 0-byte or truncated file under its name.
 */
export async function writeNew(dir: string, name: string, content: string): Promise<void> {
  await writeExclusive(path.join(dir, name), content);
}

/** The report.md template, loaded (and compiled) before the gates run: a gate may delete node_modules. */
export function loadReportTemplate(root: string, templatesDir: string): Template {
  return loadTemplate(root, templatesDir, 'gate-report.md.hbs');
}

/**
 * The report: report.md first, then report.json last, both atomically, because report.json's presence
 * is what marks a run as finished. Redaction applies to the report's values before it is
 * serialised, never to the JSON text: a secret that looks like JSON (`': true,'`) cannot corrupt it.
 * A file-system failure names the file under `shownDir`, the run folder as the user knows it.
 */
export async function writeReports(template: Template, dir: string, unredacted: RunReport, redact: Redactor, shownDir: string): Promise<Buffer> {
  const report = redactValues(unredacted, redact);
  const markdown = template(reportView(report));
  try {
    await writeNew(dir, 'report.md', redact(markdown));
  } catch (error) {
    throw asFileSystemError(error, `${shownDir}/report.md`, 'write');
  }
  const json = Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8');
  try {
    await writeAtomic(path.join(dir, 'report.json'), json);
  } catch (error) {
    throw asFileSystemError(error, `${shownDir}/report.json`, 'write');
  }
  return json;
}

/** The data the report.md template sees. */
function reportView(report: RunReport) {
  return {
    report,
    result: report.overall_pass ? 'PASS' : 'FAIL',
    gates: report.gates.map((gate) => ({
      ...gate,
      mark: gate.outcome === 'pass' ? 'pass' : gate.severity === 'warning' ? `${gate.outcome} (warning)` : gate.outcome,
      command: gate.command ?? '',
      seconds: (gate.duration_ms / 1000).toFixed(1),
      tail: gate.outcome !== 'pass' && Array.isArray(gate.details?.output_tail) ? gate.details.output_tail : null,
    })),
    // What each gate measured, as trends show it: a reader of one run sees the number and its target.
    measurements: report.gates.flatMap((gate) =>
      (gate.measurements ?? []).map((entry) => ({ gate: gate.id, name: entry.name, value: formatMeasuredValue(entry.value, entry.unit), target: formatTarget(entry.target, entry.unit), met: entry.met ? 'met' : 'not met' })),
    ),
    artifacts: report.gates.flatMap((gate) => (gate.artifacts ?? []).map((artifact) => ({ gate: gate.id, copy: `${ARTIFACTS_DIR}/${artifact.path}`, bytes: artifact.bytes, sha256: artifact.sha256 }))),
    decision: report.decision_tag ?? 'none',
    commit: report.commit ?? 'no commit',
    branch: report.branch ?? 'detached',
    freeze: report.freeze ?? null,
    runner: runnerLine(report),
  };
}

/** The report.md line on where the run was made: an unofficial run says so first. */
function runnerLine(report: RunReport): string {
  if (!report.runner) return 'no runner labels required';
  const labels = (list: readonly string[]) => list.join(', ');
  if (report.unofficial === true) return `UNOFFICIAL (--allow-host): needs ${labels(report.runner.required)}, missing ${labels(report.runner.missing)}; this run never counts`;
  return `needs ${labels(report.runner.required)}; the runner has ${labels(report.runner.labels)}`;
}
