import { REPORT_FORMAT } from './evidence.js';
import { ID_PATTERN } from './ids.js';
import { described, enumOf } from './schema-docs.js';

/**
 * JSON Schema (draft-07) of report.json (`RunReport` in evidence.ts). Readers of evidence (status,
 * sign-off, audit packs) may validate against it; new optional fields may be added, none renamed.
 */
const timestamp = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' } as const;
const id = { type: 'string', pattern: ID_PATTERN } as const;
const count = { type: 'integer', minimum: 0 } as const;

const when = (what: string) => described(timestamp, `When ${what}, UTC ISO 8601.`, { examples: ['2026-11-21T09:07:26Z'] });
const commitSha = { type: 'string', pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' } as const;

const gateResultSchema = {
  type: 'object',
  required: ['id', 'type', 'severity', 'outcome', 'started_at', 'finished_at', 'duration_ms', 'summary'],
  properties: {
    id: described(id, "The gate's id in the stage's frontmatter."),
    type: enumOf(
      {
        run: 'a command with an expected exit code',
        metric: 'a number read from a JSON file, compared with min and max',
        'no-stubs': 'a scan for stub markers',
        produces: 'files that must exist',
        'prd-trace': 'requirement ids that must be referenced',
        build: "a tool's build command",
        coverage: 'the metrics of a coverage report, compared with their minimums',
        http: 'a server started, requests sent, statuses and bodies checked',
      },
      'What the gate checked.',
    ),
    severity: enumOf({ blocking: 'its failure failed the run', warning: 'its failure was a warning' }, "The gate's severity."),
    outcome: enumOf(
      {
        pass: 'the gate passed',
        fail: 'the gate ran and did not pass',
        timeout: 'the command ran longer than its timeout and was stopped',
        error: 'the gate could not be evaluated (a missing file, a command that could not start)',
        interrupted: 'stagedocs was interrupted (Ctrl-C, SIGTERM) while the gate ran, and ended its processes',
        skipped: 'the gate did not run because a gate it needs (needs) did not pass; a skipped blocking gate fails the run',
      },
      'How the gate ended.',
    ),
    command: described({ type: 'string' }, 'The command that ran, as recorded in command.sh.'),
    exit_code: described({ type: ['integer', 'null'] }, "The command's exit code; null when it was killed or there was no command."),
    started_at: when('the gate started'),
    finished_at: when('the gate finished'),
    duration_ms: described(count, 'How long the gate took, in milliseconds.'),
    summary: described({ type: 'string' }, 'One line saying what was found, for reports.'),
    measured: described(
      {
        type: 'object',
        required: ['value'],
        properties: {
          value: described({ type: 'number' }, 'The measured number.'),
          min: described({ type: 'number' }, 'The lowest value that passes.'),
          max: described({ type: 'number' }, 'The highest value that passes.'),
        },
        additionalProperties: false,
      },
      'The measurement of a measured requirement, with its thresholds.',
    ),
    measurements: described(
      {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'value', 'unit', 'target', 'met'],
          properties: {
            name: described({ type: 'string' }, 'What was measured, unique within the gate: a coverage metric (`lines`), `stub_rate`, `referenced`, `files_present`, `requests_passed`, or a metric gate\'s dotted path.', { examples: ['lines', 'total.lines.pct'] }),
            value: described({ type: 'number' }, 'The number the gate measured (not parsed from the summary).'),
            unit: enumOf(
              {
                '%': 'a percentage, 0 to 100 (coverage metrics)',
                ratio: 'a share from 0 to 1, shown as a percentage (stub rate, referenced requirements)',
                count: 'a number of things (files present, requests answered as expected)',
                number: "a plain number (a metric gate's value)",
              },
              'How the value reads.',
            ),
            target: described(
              {
                type: 'object',
                properties: {
                  min: described({ type: 'number' }, 'The lowest value that passes.'),
                  max: described({ type: 'number' }, 'The highest value that passes.'),
                },
                additionalProperties: false,
              },
              'The bounds the value was held to when the run was made; empty when the gate set none for it.',
            ),
            met: described({ type: 'boolean' }, 'True when the value lay within the target.'),
          },
          additionalProperties: false,
        },
      },
      'Every number the gate measured, in one shape for all gate types (what `status --stage` and the audit pack follow across runs); absent when the gate measured none, or in reports written before it existed (readers derive it from `measured` and `details`).',
    ),
    details: described({ type: 'object' }, 'Gate-type specific details (files with stubs, unreferenced requirement ids, the output tail of a failure, the prerequisite of a skipped gate).'),
    artifacts: described(
      {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'sha256', 'bytes'],
          properties: {
            path: described({ type: 'string' }, 'The repository-relative path of the file, also its path under artifacts/ in the run folder.', { examples: ['results/summary.json'] }),
            sha256: described({ type: 'string', pattern: '^[0-9a-f]{64}$' }, 'The sha256 of the bytes copied; `registry --check` verifies the copy still has it.'),
            bytes: described(count, 'The size of the file, in bytes.'),
          },
          additionalProperties: false,
        },
      },
      "The files matched by the gate's artifacts globs after it ran, copied into the run folder.",
    ),
  },
  additionalProperties: true,
} as const;

export const runReportSchema = {
  $id: 'https://stagedocs.dev/schema/report.json',
  title: 'stagedocs gate run report',
  description: 'report.json of a gate run folder, written last and atomically by `stagedocs gate run`.',
  type: 'object',
  required: [
    'format',
    'run_id',
    'stage_id',
    'stage_title',
    'phase_id',
    'stage_file',
    'started_at',
    'finished_at',
    'duration_ms',
    'overall_pass',
    'blocking_failures',
    'warnings',
    'decision_tag',
    'commit',
    'branch',
    'dirty',
    'tool_version',
    'gates',
  ],
  properties: {
    format: described({ const: REPORT_FORMAT }, 'The version of this report format.'),
    run_id: described(id, 'The run id: the stage id and the UTC start time, also the name of the run folder.', { examples: ['P1-S03_20261121T090726Z'] }),
    stage_id: described(id, 'The id of the stage whose gates ran.'),
    stage_title: described({ type: 'string' }, "The stage's title at the time of the run."),
    phase_id: described(id, "The id of the stage's phase."),
    stage_file: described({ type: 'string' }, 'The repository-relative path of the stage document.'),
    started_at: when('the run started'),
    finished_at: when('the run finished'),
    duration_ms: described(count, 'How long the run took, in milliseconds.'),
    overall_pass: described({ type: 'boolean' }, 'True when no blocking gate failed.'),
    blocking_failures: described(count, 'How many blocking gates did not pass.'),
    warnings: described(count, 'How many warning gates did not pass.'),
    decision_tag: described({ anyOf: [id, { type: 'null' }] }, 'The decision note the run was made under, or null.'),
    commit: described({ anyOf: [commitSha, { type: 'null' }] }, 'The git commit the run ran at, or null outside git.'),
    branch: described({ type: ['string', 'null'] }, 'The git branch, or null (detached HEAD, outside git).'),
    dirty: described({ type: 'boolean' }, 'True when the working tree had uncommitted changes (gate_results/ and .stagedocs/ aside).'),
    tool_version: described({ type: 'string' }, 'The stagedocs version that ran the gates.'),
    gates: described({ type: 'array', items: gateResultSchema }, 'The result of every gate that ran, in order.'),
    selected_gates: described({ type: 'array', items: id }, 'The gate ids the run was limited to (gate run --gate), when it was.'),
    prerequisite_gates: described(
      { type: 'array', items: id },
      'The gates a `--gate` run ran only because a selected gate needs them (`needs`, transitively), in stage order; absent when none was pulled in.',
    ),
    interrupted: described({ type: 'boolean' }, 'True when stagedocs was interrupted during the run: its gates were ended, and the run does not pass.'),
    freeze: described(
      {
        type: 'object',
        required: ['file', 'verified', 'changed', 'missing'],
        properties: {
          file: described({ type: 'string' }, 'The freeze file checked.'),
          verified: described({ type: 'boolean' }, 'True when every frozen input still has its frozen hash.'),
          changed: described({ type: 'array', items: { type: 'string' } }, 'Frozen inputs whose content changed.'),
          missing: described({ type: 'array', items: { type: 'string' } }, 'Frozen inputs that no longer exist.'),
        },
        additionalProperties: false,
      },
      "The check of the stage's freeze file before the run, when the stage requires one.",
    ),
    runner: described(
      {
        type: 'object',
        required: ['required', 'labels', 'missing'],
        properties: {
          required: described({ type: 'array', items: { type: 'string' } }, 'The runner labels the run needed: its stage\'s runs_on and its gates\', sorted.'),
          labels: described({ type: 'array', items: { type: 'string' } }, 'The labels of the runner that ran it (STAGEDOCS_RUNNER_LABELS or runner.labels), sorted.'),
          missing: described({ type: 'array', items: { type: 'string' } }, 'Required labels the runner did not have; not empty only in an unofficial run.'),
        },
        additionalProperties: false,
      },
      'The host check before the run, when the stage or its gates need runner labels (runs_on).',
    ),
    unofficial: described(
      { type: 'boolean' },
      'True when `gate run --allow-host` ran the gates on a runner without the labels they need: kept as evidence, never counted for progression or sign-off.',
    ),
  },
  additionalProperties: true,
} as const;
