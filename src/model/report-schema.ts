import { REPORT_FORMAT } from './evidence.js';
import { ID_PATTERN } from './ids.js';

/**
 * JSON Schema (draft-07) of report.json (`RunReport` in evidence.ts). Readers of evidence (status,
 * sign-off, audit packs) may validate against it; new optional fields may be added, none renamed.
 */
const timestamp = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' } as const;
const id = { type: 'string', pattern: ID_PATTERN } as const;
const count = { type: 'integer', minimum: 0 } as const;

export const gateResultSchema = {
  type: 'object',
  required: ['id', 'type', 'severity', 'outcome', 'started_at', 'finished_at', 'duration_ms', 'summary'],
  properties: {
    id,
    type: { enum: ['run', 'metric', 'no-stubs', 'produces', 'prd-trace'] },
    severity: { enum: ['blocking', 'warning'] },
    outcome: { enum: ['pass', 'fail', 'timeout', 'error', 'interrupted'] },
    command: { type: 'string' },
    exit_code: { type: ['integer', 'null'] },
    started_at: timestamp,
    finished_at: timestamp,
    duration_ms: count,
    summary: { type: 'string' },
    measured: {
      type: 'object',
      required: ['value'],
      properties: { value: { type: 'number' }, min: { type: 'number' }, max: { type: 'number' } },
      additionalProperties: false,
    },
    details: { type: 'object' },
  },
  additionalProperties: true,
} as const;

export const runReportSchema = {
  $id: 'https://stagedocs.dev/schema/report.json',
  title: 'stagedocs gate run report',
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
    format: { const: REPORT_FORMAT },
    run_id: id,
    stage_id: id,
    stage_title: { type: 'string' },
    phase_id: id,
    stage_file: { type: 'string' },
    started_at: timestamp,
    finished_at: timestamp,
    duration_ms: count,
    overall_pass: { type: 'boolean' },
    blocking_failures: count,
    warnings: count,
    decision_tag: { anyOf: [id, { type: 'null' }] },
    commit: { anyOf: [{ type: 'string', pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' }, { type: 'null' }] },
    branch: { type: ['string', 'null'] },
    dirty: { type: 'boolean' },
    tool_version: { type: 'string' },
    gates: { type: 'array', items: gateResultSchema },
    selected_gates: { type: 'array', items: id },
    interrupted: { type: 'boolean' },
    freeze: {
      type: 'object',
      required: ['file', 'verified', 'changed', 'missing'],
      properties: {
        file: { type: 'string' },
        verified: { type: 'boolean' },
        changed: { type: 'array', items: { type: 'string' } },
        missing: { type: 'array', items: { type: 'string' } },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: true,
} as const;
