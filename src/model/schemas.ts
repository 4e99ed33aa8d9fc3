import { DECISION_STATUSES, GATE_TYPES, MAX_TIMEOUT_SECONDS, WORK_STATUSES } from './documents.js';
import { ID_PATTERN } from './ids.js';

/**
 * JSON Schemas (draft-07) of every document kind. Ids, SHAs and versions are strings: YAML would
 * otherwise turn `1.10` into 1.1 and `0755` into 755 without a word, so the schema rejects the number
 * and the hint says to quote the value.
 */
const id = { type: 'string', pattern: ID_PATTERN } as const;
const idList = { type: 'array', items: id, uniqueItems: true } as const;
const nonEmptyString = { type: 'string', minLength: 1 } as const;
/**
 * Text that reaches the registry CSV, reports and terminals: no C0 control characters but LF, and no
 * DEL (a NUL in a title would turn gate_registry.csv binary, and git's union merge of it would then
 * conflict). LF stays allowed: a quoted CSV cell holds it, and the audit pack escapes it.
 */
export const NO_CONTROL_PATTERN = '^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f]*$';
const text = { type: 'string', minLength: 1, pattern: NO_CONTROL_PATTERN } as const;
const stringList = { type: 'array', items: nonEmptyString } as const;
const extensionKeys = { '^x-': {} } as const;
const SCHEMA_BASE = 'https://stagedocs.dev/schema';

export const gateSchema = {
  type: 'object',
  required: ['id'],
  properties: {
    id,
    type: { enum: [...GATE_TYPES] },
    run: nonEmptyString,
    description: { type: 'string' },
    severity: { enum: ['blocking', 'warning'] },
    timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
    expect_exit: { type: 'integer', minimum: 0, maximum: 255 },
    metric: {
      type: 'object',
      required: ['file', 'path'],
      properties: {
        file: nonEmptyString,
        path: nonEmptyString,
        min: { type: 'number' },
        max: { type: 'number' },
      },
      additionalProperties: false,
    },
    include: stringList,
    exclude: stringList,
    files: stringList,
    max_rate: { type: 'number', minimum: 0, maximum: 1 },
    min_rate: { type: 'number', minimum: 0, maximum: 1 },
    document: nonEmptyString,
  },
  patternProperties: extensionKeys,
  additionalProperties: false,
} as const;

export const stageSchema = {
  $id: `${SCHEMA_BASE}/stage.json`,
  title: 'stagedocs stage',
  type: 'object',
  required: ['id', 'kind', 'title', 'phase', 'order', 'status'],
  properties: {
    id,
    kind: { const: 'stage' },
    title: text,
    phase: id,
    order: { type: 'integer', minimum: 0 },
    status: { enum: [...WORK_STATUSES] },
    owner: text,
    estimate: { type: 'number', exclusiveMinimum: 0 },
    depends_on: idList,
    decision: id,
    freeze: { enum: ['required', 'none'] },
    gates: { type: 'array', items: gateSchema },
    produces: stringList,
    protected: stringList,
  },
  patternProperties: extensionKeys,
  additionalProperties: false,
} as const;

export const phaseSchema = {
  $id: `${SCHEMA_BASE}/phase.json`,
  title: 'stagedocs phase',
  type: 'object',
  required: ['id', 'kind', 'title', 'status'],
  properties: {
    id,
    kind: { const: 'phase' },
    title: text,
    status: { enum: [...WORK_STATUSES] },
    owner: text,
    upstream: idList,
    downstream: idList,
    exit: stringList,
    pattern: nonEmptyString,
  },
  patternProperties: extensionKeys,
  additionalProperties: false,
} as const;

export const decisionSchema = {
  $id: `${SCHEMA_BASE}/decision.json`,
  title: 'stagedocs decision note',
  type: 'object',
  required: ['decision_tag', 'kind', 'title', 'date', 'status'],
  properties: {
    decision_tag: id,
    kind: { const: 'decision' },
    title: text,
    owner: text,
    date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    status: { enum: [...DECISION_STATUSES] },
    stages: idList,
    supersedes: id,
    rerun_of: nonEmptyString,
  },
  patternProperties: extensionKeys,
  additionalProperties: false,
} as const;

export const freezeSchema = {
  $id: `${SCHEMA_BASE}/freeze.json`,
  title: 'stagedocs freeze file',
  type: 'object',
  required: ['stage', 'protocol_version', 'created_at', 'inputs'],
  properties: {
    stage: id,
    decision_tag: id,
    protocol_version: nonEmptyString,
    created_at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' },
    commit: { type: 'string', pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' },
    scope: { type: 'object' },
    inputs: {
      type: 'object',
      additionalProperties: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    },
  },
  additionalProperties: false,
} as const;

const severitySetting = { enum: ['off', 'warn', 'error'] } as const;

export const configSchema = {
  $id: `${SCHEMA_BASE}/config.json`,
  title: 'stagedocs configuration',
  type: 'object',
  properties: {
    paths: {
      type: 'object',
      properties: {
        stages: nonEmptyString,
        decisions: nonEmptyString,
        freeze: nonEmptyString,
        gate_results: nonEmptyString,
        templates: nonEmptyString,
      },
      additionalProperties: false,
    },
    kinds: {
      type: 'object',
      properties: Object.fromEntries(
        ['phase', 'stage', 'decision'].map((kind) => [
          kind,
          {
            type: 'object',
            properties: { required_sections: { type: 'array', items: nonEmptyString, uniqueItems: true } },
            additionalProperties: false,
          },
        ]),
      ),
      additionalProperties: false,
    },
    rules: {
      type: 'object',
      additionalProperties: {
        anyOf: [
          severitySetting,
          {
            type: 'object',
            properties: { severity: severitySetting },
            additionalProperties: true,
          },
        ],
      },
    },
    tags: {
      type: 'object',
      properties: {
        sign_off: { type: 'string', pattern: '\\{stage\\}' },
        phase_sign_off: { type: 'string', pattern: '\\{phase\\}' },
      },
      additionalProperties: false,
    },
    limits: {
      type: 'object',
      properties: {
        max_file_bytes: { type: 'integer', minimum: 1024 },
      },
      additionalProperties: false,
    },
    gates: {
      type: 'object',
      properties: {
        default_timeout: { type: 'number', exclusiveMinimum: 0, maximum: MAX_TIMEOUT_SECONDS },
        max_log_bytes: { type: 'integer', minimum: 1024 },
        redact: { type: 'array', items: nonEmptyString },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const DOCUMENT_SCHEMAS = {
  stage: stageSchema,
  phase: phaseSchema,
  decision: decisionSchema,
  freeze: freezeSchema,
} as const;
