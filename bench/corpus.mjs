// Generates a realistic stagedocs repository for the benchmark: phases of 11 stages, decision notes,
// gate runs with report.json and registry rows, and a long git history written with `git fast-import`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const STAGES_PER_PHASE = 11;
export const STAGE_SECTIONS = ['Objectives', 'Deliverables', 'Acceptance Criteria', 'Audit & Review Steps', 'Rollback Plan', 'Versioning & Traceability'];

const pad = (n, width) => String(n).padStart(width, '0');
/**
 * Stages of a phase progress in order: done ones, then the one in progress, then those not started.
 * 0 to 8 of 11 are done (about 36%), so the 2 gate runs per 5 stages can give each a passing run.
 */
function statusOf(p, s) {
  const done = (p * 5) % 9;
  return s < done ? 'done' : s === done ? 'in-progress' : 'not-started';
}

function phaseDoc(p, stageCount) {
  const id = `P${p + 1}`;
  const upstream = p > 0 ? `upstream: [P${p}]\n` : '';
  return `---
id: ${id}
kind: phase
title: Phase ${id} of the platform
status: in-progress
owner: team-${p % 7}@example.com
${upstream}exit:
  - Every stage signed off
  - Coverage above 70%
pattern: mvp-backend
---
# Phase ${id}

## Goal
Deliver the ${stageCount} stages of phase ${id}: the resource API, its storage and its documentation.

## Exit Definition
- Every stage of ${id} signed off.
- The audit pack reviewed by the owner.
`;
}

/** The command of a stage's `tests` gate (the report.json of its runs records the same). */
const testCommandOf = (s) => `npm test -- --run test/api-${s}.test.ts`;

function stageDoc(p, s, status, decisionTag) {
  const phaseId = `P${p + 1}`;
  const id = `${phaseId}-S${pad(s, 2)}`;
  const depends = s > 0 ? `depends_on: [${phaseId}-S${pad(s - 1, 2)}]\n` : '';
  const decision = decisionTag ? `decision: ${decisionTag}\n` : '';
  return `---
id: ${id}
kind: stage
title: Resource API part ${s} of ${phaseId}
phase: ${phaseId}
order: ${s}
status: ${status}
owner: dev-${(p * 11 + s) % 13}@example.com
estimate: ${1 + ((p + s) % 4)}
${depends}${decision}gates:
  - id: tests
    run: ${testCommandOf(s)}
    severity: blocking
    timeout: 120
  - id: no-stubs
    type: no-stubs
    include: ["src/api/**/*.ts"]
    max_rate: 0.05
produces: [docs/api-${p}-${s}.md]
---
# ${id}: resource API part ${s}

## Objectives
- Serve the \`/v1/items/${s}\` endpoints with pagination and filtering.
- Keep the p95 latency under 80 ms on the reference dataset.

## Deliverables
- \`src/api/items-${s}.ts\` with the handlers and their input validation.
- \`docs/api-${p}-${s}.md\` describing every endpoint, see [the phase](phase.md).

## Acceptance Criteria
- \`npm test -- --run test/api-${s}.test.ts\` exits 0.
- Coverage of \`src/api\` at least 70% (gate \`tests\`).

## Audit & Review Steps
- Read the gate run's \`report.md\` and the registry row.
- Check that every handler returns real data.

## Rollback Plan
Revert the merge commit of ${id}; the schema is unchanged so no migration is needed.

## Versioning & Traceability
Tagged \`stagedocs/${id}/signed-off\` on sign-off; the decision note is linked above.
`;
}

function decisionDoc(d, stages) {
  const tag = decisionTagOf(d);
  return `---
decision_tag: ${tag}
kind: decision
title: Storage choice number ${d}
owner: arch-${d % 5}@example.com
date: "2026-${pad(1 + (d % 12), 2)}-${pad(1 + (d % 28), 2)}"
status: accepted
stages: [${stages.join(', ')}]
---
# Storage choice number ${d}

## Context
We need a store for the items of the stages listed above, with transactions and backups.

## Decision
PostgreSQL 16 with one schema per service.

## Consequences
One more service to run and monitor; migrations go through the release pipeline.
`;
}

const decisionTagOf = (d) => `D-2026-${pad(1 + (d % 12), 2)}-${pad(1 + (d % 28), 2)}-${pad(d, 3)}`;

/** The documents of a corpus of `stageCount` stages, as path -> content. */
export function corpusDocuments(stageCount, decisionCount) {
  const files = new Map();
  const phaseCount = Math.ceil(stageCount / STAGES_PER_PHASE);
  const stageIds = [];
  const doneIds = [];
  for (let p = 0; p < phaseCount; p++) {
    const inPhase = Math.min(STAGES_PER_PHASE, stageCount - p * STAGES_PER_PHASE);
    const slug = `stages/${pad(p + 1, 4)}-phase-${p + 1}`;
    files.set(`${slug}/phase.md`, phaseDoc(p, inPhase));
    for (let s = 0; s < inPhase; s++) {
      const index = p * STAGES_PER_PHASE + s;
      const decision = index % 10 === 0 && index / 10 < decisionCount ? decisionTagOf(index / 10) : undefined;
      files.set(`${slug}/${pad(s, 2)}-items-${s}.md`, stageDoc(p, s, statusOf(p, s), decision));
      stageIds.push(`P${p + 1}-S${pad(s, 2)}`);
      if (statusOf(p, s) === 'done') doneIds.push(`P${p + 1}-S${pad(s, 2)}`);
    }
  }
  for (let d = 0; d < decisionCount; d++) {
    const stages = [stageIds[(d * 10) % stageIds.length]];
    files.set(`decisions/${decisionTagOf(d)}.md`, decisionDoc(d, stages));
  }
  return { files, stageIds, doneIds };
}

function csvCell(value) {
  const text = String(value ?? '');
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Gate runs: report.json per src/model/evidence.ts, and one registry row each (REGISTRY_COLUMNS).
 * Every done stage gets a passing run (rule done-needs-passing-run); the other runs go to the other
 * stages, one in five of them failing.
 */
export function gateRuns(runCount, stageIds, doneIds, columns, commitSha) {
  if (runCount < doneIds.length) throw new Error(`${runCount} gate runs cannot prove ${doneIds.length} done stages`);
  const doneSet = new Set(doneIds);
  const order = [...doneIds, ...stageIds.filter((id) => !doneSet.has(id))];
  const files = new Map();
  const rows = [columns.join(',')];
  const base = Date.UTC(2026, 0, 1);
  for (let r = 0; r < runCount; r++) {
    const stageId = order[r % order.length];
    const started = new Date(base + r * 600_000);
    const finished = new Date(started.getTime() + 42_000);
    const stamp = started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const runId = `${stageId}_${stamp}`;
    const pass = r < doneIds.length || r % 5 !== 0;
    const report = {
      format: 'stagedocs-gate-report/1',
      run_id: runId,
      stage_id: stageId,
      stage_title: `Resource API of ${stageId}`,
      phase_id: stageId.split('-')[0],
      stage_file: `stages/${stageId}.md`,
      started_at: started.toISOString(),
      finished_at: finished.toISOString(),
      duration_ms: 42_000,
      overall_pass: pass,
      blocking_failures: pass ? 0 : 1,
      warnings: 0,
      decision_tag: null,
      // The commit the runs were made at: a real one of the history, as a run that counts needs.
      commit: commitSha,
      branch: 'main',
      dirty: false,
      tool_version: '0.1.0',
      // The stage's gates exactly (ids, types, commands), as `gate run` writes them: a run of other
      // gates does not prove a done stage (rule done-needs-passing-run).
      gates: [
        {
          id: 'tests',
          type: 'run',
          severity: 'blocking',
          outcome: pass ? 'pass' : 'fail',
          command: testCommandOf(Number(stageId.split('-S')[1])),
          exit_code: pass ? 0 : 1,
          started_at: started.toISOString(),
          finished_at: finished.toISOString(),
          duration_ms: 40_000,
          summary: pass ? 'exit 0' : 'exit 1',
        },
        {
          id: 'no-stubs',
          type: 'no-stubs',
          severity: 'blocking',
          outcome: 'pass',
          started_at: finished.toISOString(),
          finished_at: finished.toISOString(),
          duration_ms: 2_000,
          summary: '0 stub markers in 0 files',
        },
      ],
    };
    const body = `${JSON.stringify(report, null, 2)}\n`;
    const reportPath = `gate_results/${runId}/report.json`;
    files.set(reportPath, body);
    files.set(`gate_results/${runId}/report.md`, `# Gate run ${runId}\n\n${pass ? 'PASS' : 'FAIL'}\n`);
    const row = {
      ...report,
      report_path: reportPath,
      report_sha256: createHash('sha256').update(body).digest('hex'),
    };
    rows.push(columns.map((column) => csvCell(row[column])).join(','));
  }
  files.set('gate_results/gate_registry.csv', `${rows.join('\n')}\n`);
  return files;
}

/**
 * Writes the corpus into `dir` as a git repository whose history has `commitCount` commits: one per
 * document added (in order), then edits of stage statuses, the last commit leaving exactly the files
 * on disk. Uses one `git fast-import` process.
 */
export function writeCorpus(dir, { stages, decisions, runs, commits, columns }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { files: documents, stageIds, doneIds } = corpusDocuments(stages, decisions);
  const extra = new Map([
    ['stagedocs.config.yaml', 'paths:\n  stages: stages\n  decisions: decisions\n'],
    ['.gitignore', '.stagedocs/\n'],
  ]);
  const writeFiles = (files) => {
    for (const [file, content] of files) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
  };
  writeFiles([...extra, ...documents]);

  git(dir, ['init', '-q', '-b', 'main']);
  let chunks = [];
  let mark = 0;
  let first = true;
  let time = Date.UTC(2025, 0, 1) / 1000;
  const commit = (message, changes) => {
    mark++;
    time += 60;
    const msg = Buffer.from(message);
    chunks.push(`commit refs/heads/main\nmark :${mark}\ncommitter Bench <bench@example.com> ${time} +0000\ndata ${msg.length}\n${message}\n`);
    // The first commit of the second import continues the branch the first import wrote.
    if (first && mark > 1) chunks.push('from refs/heads/main^0\n');
    else if (mark > 1) chunks.push(`from :${mark - 1}\n`);
    first = false;
    for (const [file, content] of changes) {
      const data = Buffer.from(content);
      chunks.push(`M 100644 inline ${file}\ndata ${data.length}\n`);
      chunks.push(data);
      chunks.push('\n');
    }
  };
  const fastImport = () => {
    chunks.push('done\n');
    const stream = Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
    execFileSync('git', ['fast-import', '--quiet', '--done'], { cwd: dir, input: stream, maxBuffer: 1 << 30 });
    chunks = [];
    first = true;
  };
  // The documents and the configuration in ~60% of the commits; then the evidence of runs made at
  // the last of those commits, in one commit; then edits of stage statuses.
  const docEntries = [...extra, ...documents];
  const perDoc = Math.max(1, Math.ceil(docEntries.length / Math.max(1, Math.floor(commits * 0.6))));
  for (let i = 0; i < docEntries.length; i += perDoc) {
    const batch = docEntries.slice(i, i + perDoc);
    commit(`Add ${batch.map(([file]) => path.posix.basename(file)).join(', ')}`, batch);
  }
  fastImport();
  const evidence = gateRuns(runs, stageIds, doneIds, columns, git(dir, ['rev-parse', 'refs/heads/main']).trim());
  writeFiles(evidence);
  const all = new Map([...extra, ...documents, ...evidence]);
  commit(`Record ${runs} gate runs`, [...evidence]);
  // The rest: a stage goes to in-progress, then back to its final text.
  const stageFiles = [...documents.keys()].filter((file) => !file.endsWith('phase.md') && file.startsWith('stages/'));
  let k = 0;
  while (mark + 2 <= commits && stageFiles.length > 0) {
    const file = stageFiles[k % stageFiles.length];
    const final = documents.get(file);
    const interim = final.replace(/^status: .*$/m, 'status: in-progress');
    commit(`Start ${file}`, [[file, interim]]);
    commit(`Update ${file}`, [[file, final]]);
    k++;
  }
  while (mark < commits) commit('Touch registry note', [['NOTES.md', `note ${mark}\n`]]), all.set('NOTES.md', `note ${mark}\n`);
  if (all.has('NOTES.md')) writeFileSync(path.join(dir, 'NOTES.md'), all.get('NOTES.md'));
  fastImport();
  git(dir, ['reset', '-q', '--mixed', 'main']);
  return { documents: documents.size, stages: stageIds.length, bytes: [...documents.values()].reduce((sum, c) => sum + Buffer.byteLength(c), 0), commits: mark };
}

function git(dir, args) {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
}
