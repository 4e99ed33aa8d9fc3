import { MAX_TIMEOUT_SECONDS, type BuildTool, type DecisionStatus, type GateType, type Maturity, type RiskLevel, type WorkStatus } from './documents.js';
import { described, enumOf } from './schema-docs.js';
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
 * Text that reaches the registry CSV, reports and terminals: no C0 control characters but LF, no
 * DEL, no C1 (a NUL in a title would turn gate_registry.csv binary, and git's union merge of it would
 * then conflict; ESC and U+009B start terminal escape sequences), and no bidi embedding, override or
 * isolate (U+202A-U+202E, U+2066-U+2069: they make a title read differently from its bytes). LF stays
 * allowed: a quoted CSV cell holds it, and the audit pack escapes it.
 */
export const NO_CONTROL_PATTERN = '^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$';
const text = { type: 'string', minLength: 1, pattern: NO_CONTROL_PATTERN } as const;
const stringList = { type: 'array', items: nonEmptyString } as const;
/** Runner labels as CI systems spell them (GitHub Actions: `self-hosted`, `linux`, `gpu`, `workstation`). */
export const RUNNER_LABEL_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
const runnerLabels = (what: string) =>
  described({ type: 'array', items: { type: 'string', pattern: RUNNER_LABEL_PATTERN, maxLength: 100 }, uniqueItems: true }, what, { examples: [['workstation']] });
const extensionKeys = { '^x-': described({}, 'Your own field: keys starting with x- are never checked by stagedocs.') } as const;
const SCHEMA_BASE = 'https://stagedocs.dev/schema';

const ID_TEXT = 'starts with a letter and holds only letters, digits, ".", "_" and "-"';

const workStatus = (what: string) =>
  enumOf<WorkStatus>(
    {
      'not-started': 'no work has begun',
      'in-progress': 'work is under way',
      validating: 'the work is done and its gates are being run',
      done: `the ${what} is finished: its gates passed (validate checks a passing run exists)`,
      blocked: 'work cannot continue until something outside it changes',
    },
    `Where the ${what} stands.`,
  );

/**
 * `approvals:` of a stage or phase: the quorum of distinct approvers (`stagedocs approve`) a sign-off
 * needs. An email pattern loose enough for every address git accepts as user.email, tight enough that
 * a list entry is not a sentence, and without control or bidi characters (it is printed on terminals and in packs). The pattern's own quorum check (min above the number of `from`) is
 * rule approvals-quorum, with its place.
 */
const APPROVER_PATTERN = '^[^\\s<>@\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]+@[^\\s<>@\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]+$';
export const approvalsSchema = described(
  {
    type: 'object',
    required: ['min'],
    properties: {
      min: described({ type: 'integer', minimum: 1, maximum: 100 }, 'How many distinct approvers (distinct tagger emails, case-insensitive) must approve before sign-off; at least 1.', { examples: [2] }),
      from: described(
        { type: 'array', items: { type: 'string', pattern: APPROVER_PATTERN, maxLength: 254 }, minItems: 1, uniqueItems: true },
        "The emails of the people whose approval counts (git's user.email of the approver, compared case-insensitively); absent: anyone's approval counts.",
        { examples: [['alice@example.com', 'bob@example.com']] },
      ),
      signed: described(
        { type: 'boolean' },
        'Only signed approval tags count: `stagedocs approve` signs its tag (`git tag --sign`, with your gpg.format and user.signingkey) and an approval counts only when `git verify-tag` accepts its signature (default false: signatures are not checked).',
        { examples: [true] },
      ),
    },
    patternProperties: extensionKeys,
    additionalProperties: false,
  },
  "The approvals a sign-off needs: `min` distinct people, from `from` when given, each recording one with `stagedocs approve <id>` (an annotated tag whose tagger is the approver) at or after the commit of the passing run (docs/approvals.md).",
  { examples: [{ min: 2, from: ['alice@example.com', 'bob@example.com'] }, { min: 1 }] },
);

export const gateSchema = {
  type: 'object',
  required: ['id'],
  properties: {
    id: described(id, `The gate's id, unique within the stage; it names the gate in run reports and the registry. It ${ID_TEXT}.`, { examples: ['api-up', 'coverage'] }),
    type: enumOf<GateType>(
      {
        run: 'runs the command and passes when it exits with expect_exit (default 0); the default when run is given',
        metric: 'runs the command (if any), then reads a number from a JSON file and compares it with min and max',
        'no-stubs': 'scans the include files for stub markers (TODO, "not implemented", 501) and passes when their rate is at most max_rate', // stagedocs-allow-stub: describes the markers the gate looks for
        produces: 'passes when every path in files (or the stage\'s produces) exists',
        'prd-trace': 'passes when at least min_rate of the requirement ids in document are referenced in the include files (by default from code and from a test)',
        build: 'runs the conventional build command of tool (npm run build, make, cargo build, ...) and passes when it exits 0',
        coverage: 'runs the command (if any), then reads a coverage report (istanbul, lcov, Cobertura) and passes when every metric reaches its min',
        http: 'starts the start command, waits until ready answers, sends the requests and passes when every status and body matches',
      },
      'What the gate checks.',
    ),
    run: described(nonEmptyString, 'The shell command the gate runs from the repository root, exactly as `stagedocs gate run` records it in command.sh.', {
      examples: ['npm test', './scripts/healthz.sh'],
    }),
    description: described({ type: 'string' }, 'What the gate proves, in a sentence, for the audit pack and reviewers.'),
    severity: enumOf(
      { blocking: 'a failure fails the run and blocks sign-off (the default)', warning: 'a failure is reported but the run can still pass' },
      'What a failure of this gate means for the run.',
    ),
    timeout: described({ type: 'number', exclusiveMinimum: 0, maximum: 86400 }, 'Seconds the command may run before it is stopped and the gate fails with timeout (default: gates.default_timeout of the configuration).', {
      examples: [120],
    }),
    expect_exit: described({ type: 'integer', minimum: 0, maximum: 255 }, 'The exit code that counts as a pass for a run gate (default 0).', { examples: [0] }),
    metric: described(
      {
        type: 'object',
        required: ['file', 'path'],
        properties: {
          file: described(nonEmptyString, 'The JSON file, relative to the repository root, that the command writes the number to; it must stay inside the repository (no absolute path, no `..` above the root, no symlink out of it).', { examples: ['coverage/coverage-summary.json'] }),
          path: described(nonEmptyString, 'The dotted path of the number inside the file.', { examples: ['total.lines.pct'] }),
          min: described({ type: 'number' }, 'The lowest value that passes (inclusive).', { examples: [70] }),
          max: described({ type: 'number' }, 'The highest value that passes (inclusive).'),
        },
        additionalProperties: false,
      },
      'A measured requirement: the number at path in the JSON file file must lie between min and max.',
      {
        examples: [{ file: 'coverage/coverage-summary.json', path: 'total.lines.pct', min: 70 }],
        markdownDescription:
          'A measured requirement: after `run` (if any), the number at `path` (dotted) in the JSON file `file` must be at least `min` and at most `max`. A missing file or path, a non-number, or a file the command did not write (stale) fails.\n\n```yaml\nmetric: { file: coverage/coverage-summary.json, path: total.lines.pct, min: 70 }\n```',
      },
    ),
    include: described(stringList, 'Globs of the files a no-stubs or prd-trace gate scans, relative to the repository root; they must stay inside the repository (rule path-inside-repository).', { examples: [['src/**/*.ts']] }),
    exclude: described(stringList, 'Globs left out of include.', { examples: [['src/**/*.test.ts']] }),
    files: described(stringList, "Paths or globs a produces gate requires to exist (default: the stage's produces); a glob needs one match, and a file reached through a symlink out of the repository does not count.", {
      examples: [['docs/api.md']],
    }),
    max_rate: described({ type: 'number', minimum: 0, maximum: 1 }, 'The highest share (0 to 1) of scanned files with stubs that a no-stubs gate passes with (default 0).', {
      examples: [0.05],
    }),
    min_rate: described({ type: 'number', minimum: 0, maximum: 1 }, 'The lowest share (0 to 1) of requirement ids that a prd-trace gate needs referenced (default 1).', {
      examples: [0.8],
    }),
    require: described(
      { type: 'array', items: enumOf({ code: 'a file of include that is not a test', test: 'a test file (matched by tests)' }, 'A kind of file that must reference the requirement.'), minItems: 1, uniqueItems: true },
      'Where a prd-trace gate needs each requirement referenced to count it as implemented (default both: a comment in code alone is not an implementation).',
      { examples: [['code', 'test'], ['code']] },
    ),
    tests: described(stringList, 'Globs of the test files of a prd-trace gate (default: *.test.*, *.spec.*, test_*.py, *_test.go, *_test.py and the folders test/, tests/, __tests__/).', {
      examples: [['test/**/*.ts']],
    }),
    tool: enumOf<BuildTool>(
      {
        npm: 'npm run <script> (default build)',
        pnpm: 'pnpm run <script> (default build)',
        yarn: 'yarn run <script> (default build)',
        make: 'make <script> (default: the first target)',
        cargo: 'cargo build (script: a cargo subcommand instead of build)',
        go: 'go build ./... (script: a package pattern instead of ./...)',
        python: 'python -m build (script: a module to run instead of build)',
      },
      'The build tool of a build gate.',
    ),
    script: described(nonEmptyString, 'The build script or target a build gate runs instead of the default one (npm run <script>, make <script>).', { examples: ['build:prod'] }),
    cwd: described(nonEmptyString, 'The folder, relative to the repository root, a build gate runs in (default the root).', { examples: ['frontend'] }),
    coverage: described(
      {
        type: 'object',
        required: ['file', 'min'],
        properties: {
          file: described(nonEmptyString, 'The coverage report, relative to the repository root.', { examples: ['coverage/coverage-summary.json', 'coverage/lcov.info', 'coverage.xml'] }),
          format: enumOf(
            { istanbul: 'istanbul json-summary (coverage-summary.json)', lcov: 'an lcov tracefile (lcov.info)', cobertura: 'Cobertura XML (coverage.xml)' },
            "The report's format (default: from the file name: .json istanbul, .info lcov, .xml Cobertura).",
          ),
          min: described(
            {
              type: 'object',
              minProperties: 1,
              properties: {
                lines: described({ type: 'number', minimum: 0, maximum: 100 }, 'The lowest line coverage that passes, in percent.', { examples: [80] }),
                branches: described({ type: 'number', minimum: 0, maximum: 100 }, 'The lowest branch coverage that passes, in percent.', { examples: [70] }),
                functions: described({ type: 'number', minimum: 0, maximum: 100 }, 'The lowest function coverage that passes, in percent (istanbul, lcov).', { examples: [80] }),
                statements: described({ type: 'number', minimum: 0, maximum: 100 }, 'The lowest statement coverage that passes, in percent (istanbul only).', { examples: [80] }),
              },
              additionalProperties: false,
            },
            'The threshold of each metric, in percent; a metric the format does not carry fails.',
          ),
        },
        additionalProperties: false,
      },
      'The coverage report a coverage gate reads and the thresholds it holds it to.',
      { examples: [{ file: 'coverage/lcov.info', min: { lines: 80, branches: 70 } }] },
    ),
    start: described(nonEmptyString, 'The command that starts the server of an http gate, from the repository root; it runs in its own process group, stopped after the requests.', {
      examples: ['node server.js'],
    }),
    ready: described(
      {
        type: 'object',
        properties: {
          url: described(nonEmptyString, 'A URL that answers (any HTTP status) once the server is up; the requests are relative to its origin.', { examples: ['http://127.0.0.1:8080/healthz'] }),
          port: described({ type: 'integer', minimum: 1, maximum: 65535 }, 'A TCP port on 127.0.0.1 that accepts connections once the server is up.', { examples: [8080] }),
          timeout: described({ type: 'number', exclusiveMinimum: 0, maximum: 3600 }, 'Seconds to wait for the server to answer before the gate fails (default 30).', { examples: [30] }),
        },
        additionalProperties: false,
      },
      'When the server of an http gate is up: url or port, waited for at most timeout seconds.',
      { examples: [{ url: 'http://127.0.0.1:8080/healthz', timeout: 30 }] },
    ),
    requests: described(
      {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['expect'],
          properties: {
            method: described({ type: 'string', pattern: '^[A-Za-z]+$' }, 'The HTTP method (default GET).', { examples: ['POST'] }),
            path: described({ type: 'string', pattern: '^/' }, 'The path, relative to the origin of ready.url (or http://127.0.0.1:<ready.port>).', { examples: ['/healthz'] }),
            url: described(nonEmptyString, 'The whole URL, instead of path.', { examples: ['http://127.0.0.1:8080/orders/1'] }),
            body: described({ type: 'string' }, 'The request body, sent as is.', { examples: ['{"status":"shipped"}'] }),
            headers: described({ type: 'object', additionalProperties: { type: 'string', description: 'The value of the header.' } }, 'Request headers, by name.', {
              examples: [{ 'content-type': 'application/json' }],
            }),
            expect: described(
              {
                type: 'object',
                required: ['status'],
                properties: {
                  status: described({ type: 'integer', minimum: 100, maximum: 599 }, 'The HTTP status the response must have.', { examples: [200, 409] }),
                  body_matches: described(nonEmptyString, 'A regular expression (JavaScript) the response body must match.', { examples: ['"ok"'] }),
                },
                additionalProperties: false,
              },
              'What the response must be.',
            ),
          },
          additionalProperties: false,
        },
      },
      'The requests an http gate sends once the server is ready, in order, each with the status (and body) it expects.',
      { examples: [[{ path: '/healthz', expect: { status: 200, body_matches: 'ok' } }]] },
    ),
    no_status: described({ type: 'array', items: { type: 'integer', minimum: 100, maximum: 599 }, uniqueItems: true }, 'Statuses no response of an http gate may have, whatever a request expects (501: a handler that is only a stub).', {
      examples: [[501]],
    }),
    needs: described(idList, 'Ids of gates of the same stage that must pass before this one runs; when one fails or is skipped, this gate is skipped (recorded as skipped, not run).', {
      examples: [['preflight']],
    }),
    artifacts: described(stringList, 'Globs of files (inside the repository) the gate leaves, copied after it with their sha256 into the run folder under artifacts/.', {
      examples: [['results/*.json']],
    }),
    document: described(nonEmptyString, 'The requirements document of a prd-trace gate, whose ids (REQ-12, FR-3, NFR-4, US-7) must be referenced; a path inside the repository.', {
      examples: ['docs/prd.md'],
    }),
    runs_on: runnerLabels(
      'Runner labels this gate needs, added to its stage\'s runs_on: `gate run` refuses it (exit 2) on a runner without every one of them (STAGEDOCS_RUNNER_LABELS or runner.labels), unless --allow-host, which makes the run unofficial.',
    ),
  },
  patternProperties: extensionKeys,
  additionalProperties: false,
} as const;

export const stageSchema = {
  $id: `${SCHEMA_BASE}/stage.json`,
  title: 'stagedocs stage',
  description: 'The frontmatter of a stage: a unit of work of 1 to 4 hours with objectives, deliverables and an acceptance gate.',
  type: 'object',
  required: ['id', 'kind', 'title', 'phase', 'order', 'status'],
  properties: {
    id: described(id, `The stage's id, unique across the repository. It ${ID_TEXT}.`, { examples: ['P1-S03'] }),
    kind: described({ const: 'stage' }, 'The document kind: stage.'),
    title: described(text, 'The stage\'s title, shown in status, audit packs and the gate registry.', { examples: ['Primary resource API'] }),
    phase: described(id, 'The id of the phase the stage belongs to.', { examples: ['P1'] }),
    order: described({ type: 'integer', minimum: 0 }, "The stage's position in its phase (0, 1, ...): stages progress in this order.", { examples: [3] }),
    status: workStatus('stage'),
    owner: described(text, 'Who answers for the stage: a person or team, usually an email address.', { examples: ['alice@example.com'] }),
    estimate: described({ type: 'number', exclusiveMinimum: 0 }, 'The estimate in hours; a stage should fit in 1 to 4 hours (rule stage-size).', { examples: [3] }),
    depends_on: described(idList, 'Ids of the stages that must be done before this one starts (default: the previous stage of the phase).', { examples: [['P1-S02']] }),
    decision: described(id, 'The decision_tag of the decision note behind the current attempt (a rerun after a failed gate needs one).', { examples: ['D-2026-11-21-001'] }),
    requires_decision: enumOf(
      { accepted: 'the decision note named by `decision` must have `status: accepted` before the stage is done or signed off (rule decision-unresolved)' },
      'What the decision note behind the stage must be before the stage is done.',
    ),
    decisions_resolved: described(
      {
        oneOf: [
          described({ const: 'all' }, 'Every decision note whose `stages` names this stage.'),
          described(idList, 'These decision tags.'),
        ],
      },
      'Decision notes that must be resolved (not `proposed`) before the stage is done or signed off (rule decision-unresolved): `all`, or a list of tags.',
      { examples: ['all', ['D-2026-11-21-001']] },
    ),
    freeze: enumOf(
      { required: 'a freeze file for this stage must exist before a gate run', none: 'no freeze file is needed (the default)' },
      'Whether the stage must be frozen before its gates run.',
    ),
    gates: described({ type: 'array', items: gateSchema }, 'The acceptance gates `stagedocs gate run` executes: commands with an expected outcome or measured requirements with a threshold.', {
      examples: [[{ id: 'tests', run: 'npm test', severity: 'blocking', timeout: 120 }]],
      markdownDescription: [
        'The acceptance gates `stagedocs gate run` executes: commands with an expected outcome, or measured requirements with a threshold. Each run leaves its evidence in `gate_results/`.',
        '',
        '```yaml',
        'gates:',
        '  - id: api-up',
        '    run: ./scripts/healthz.sh',
        '    timeout: 120',
        '  - id: coverage',
        '    run: npm test -- --coverage',
        '    metric: { file: coverage/coverage-summary.json, path: total.lines.pct, min: 70 }',
        '  - id: no-stubs',
        '    type: no-stubs',
        '    include: ["src/**/*.ts"]',
        '    max_rate: 0.05',
        '```',
        '',
        'See `docs/gates.md` for every gate type.',
      ].join('\n'),
    }),
    contracts: described(idList, 'Outcome contracts the stage must pass: the requirements of each contract (contracts/<id>.yaml, else a built-in: implementation, deployment, testing) count as gates of the stage, after its phase\'s contracts and before its own gates; a gate of the stage with the same id overrides a requirement.', {
      examples: [['implementation']],
    }),
    produces: described(stringList, 'Files that must exist once the stage is done, relative to the repository root and inside it.', { examples: [['docs/api.md']] }),
    protected: described(stringList, 'Globs of paths that commits may not change while the stage is open (rule protected-path).', { examples: [['schema/**']] }),
    production: described({ type: 'boolean' }, "The stage puts what it delivers into production: it may not be signed off while its phase's readiness disallows production (production_gate: disallowed).", { examples: [true] }),
    runs_on: runnerLabels(
      'Runner labels every gate of this stage needs (each gate may add its own): `gate run` refuses the stage (exit 2) on a runner without them, unless --allow-host, which makes the run unofficial; `gate plan` puts them in each entry\'s runs-on.',
    ),
    approvals: approvalsSchema,
  },
  patternProperties: extensionKeys,
  additionalProperties: false,
} as const;

/** How mature what a phase delivers is: the phase's readiness.maturity, and a pattern's. */
export const maturitySchema = enumOf<Maturity>(
  {
    'design-only': 'a design: nothing of it runs yet',
    prototype: 'it runs, on trial inputs only',
    beta: 'it runs on real work, with people watching',
    production: 'it runs on real work unattended',
  },
  'How mature what the phase delivers is.',
);

/** Whether what a phase delivers may go to production: the phase's readiness.production_gate, and a pattern's. */
export const productionGateSchema = enumOf(
  { allowed: 'what the phase delivers may go to production', disallowed: 'not for production: sign-off says so, and a stage with production: true may not be signed off' },
  'Whether what the phase delivers may go to production.',
);

const entryCheckFields = {
  id: described(id, `The check's id, unique within the phase's entry. It ${ID_TEXT}.`, { examples: ['routing-complete'] }),
  description: described(text, 'The blocker the check states, in a sentence: what must hold before the phase starts.', { examples: ['Tasks must be routed with adapter assignments'] }),
  run: described(nonEmptyString, 'A shell command, run from the repository root by `stagedocs gate run` of a stage of the phase, that exits 0 when the blocker is cleared.', {
    examples: ['test -s .state/routing_decisions.json'],
  }),
  file: described(nonEmptyString, 'A path or glob that exists once the blocker is cleared.', { examples: ['.state/ROUTING_COMPLETE'] }),
} as const;

/** A blocker of a phase's entry stated as a check: a command (`run`) or a file (`file`). */
function entryCheck(by: 'run' | 'file') {
  const { run, file, ...common } = entryCheckFields;
  return {
    type: 'object',
    required: ['id', 'description', by],
    properties: { ...common, ...(by === 'run' ? { run } : { file }) },
    patternProperties: extensionKeys,
    additionalProperties: false,
  } as const;
}

const phaseSchema = {
  $id: `${SCHEMA_BASE}/phase.json`,
  title: 'stagedocs phase',
  description: "The frontmatter of a phase (phase.md): the goal and exit definition of a series of stages.",
  type: 'object',
  required: ['id', 'kind', 'title', 'status'],
  properties: {
    id: described(id, `The phase's id, unique across the repository; its stages are named after it. It ${ID_TEXT}.`, { examples: ['P1'] }),
    kind: described({ const: 'phase' }, 'The document kind: phase.'),
    title: described(text, "The phase's title.", { examples: ['MVP backend'] }),
    status: workStatus('phase'),
    owner: described(text, 'Who answers for the phase: a person or team, usually an email address.', { examples: ['team@example.com'] }),
    upstream: described(idList, 'Ids of the phases this one builds on.', { examples: [['P1']] }),
    downstream: described(idList, 'Ids of the phases that build on this one.', { examples: [['P3']] }),
    entry: described(
      {
        type: 'object',
        properties: {
          phases: described(idList, 'Ids of the phases that must be signed off (their phase sign-off tag exists) before a stage of this phase starts (default: upstream). validate, which reads no tags, requires their status `done`.', {
            examples: [['P4']],
          }),
          files: described(stringList, 'Paths or globs, relative to the repository root, that must exist before a stage of this phase starts; a glob needs one match.', {
            examples: [['.state/routing_decisions.json', '.state/task_queue.json']],
          }),
          checks: described(
            {
              type: 'array',
              // Exactly one of run and file: each branch names the one it requires (ajv's strict mode wants a required key defined where it is required).
              items: { oneOf: [entryCheck('run'), entryCheck('file')] },
            },
            'Blockers stated as checks: each a command (`run`) or a file (`file`), exactly one of the two.',
            { examples: [[{ id: 'routing-complete', description: 'Tasks must be routed with adapter assignments', file: '.state/ROUTING_COMPLETE' }]] },
          ),
          gates: described(
            { type: 'array', items: gateSchema, minItems: 1 },
            'The entry gates: `stagedocs gate run <phase-id> --entry` runs them with evidence (run folder `<phase-id>-entry_<UTC timestamp>`, a registry row like a stage\'s); until a run of them passes and counts, the entry is unmet.',
            { examples: [[{ id: 'routing-valid', run: 'node scripts/check-routing.js' }]] },
          ),
        },
        patternProperties: extensionKeys,
        additionalProperties: false,
      },
      'The entry contract: what must hold before any stage of the phase is in progress, runs its gates or is signed off (rule phase-entry). Without it nothing is required, whatever upstream says.',
      { examples: [{ phases: ['P4'], files: ['.state/task_queue.json'] }] },
    ),
    exit: described(
      {
        anyOf: [
          stringList,
          {
            type: 'object',
            properties: {
              criteria: described(stringList, 'What must hold for the phase to close, in prose (the Exit Definition section says it at length).', { examples: [['Every task has a recorded result']] }),
              produces: described(stringList, 'Paths or globs that must exist for the phase to be signed off; a glob needs one match.', { examples: [['.state/execution_results.json', 'logs/execution/*.jsonl']] }),
              gates: described({ type: 'array', items: gateSchema, minItems: 1 }, 'The exit gates: `stagedocs gate run <phase-id>` runs them with evidence; the phase is signed off only on a passing run of them that counts.', {
                examples: [[{ id: 'results-valid', run: 'node scripts/check-results.js' }]],
              }),
            },
            patternProperties: extensionKeys,
            additionalProperties: false,
          },
        ],
      },
      'The exit definition: a list of what must hold for the phase to be signed off, or the structured form with criteria, produced files and exit gates (then the phase also needs a non-empty Gaps section).',
      { examples: [['Every stage signed off', 'Coverage above 70%'], { criteria: ['Every stage signed off'], produces: ['docs/api.md'], gates: [{ id: 'e2e', run: 'npm run test:e2e' }] }] },
    ),
    protected: described(stringList, 'Globs of paths that hold from the phase\'s start for its whole life and after: an agent may not edit them (stagedocs guard).', { examples: [['.state/**', '.ledger/**']] }),
    agents: described(
      {
        type: 'object',
        properties: {
          may_modify: described(stringList, 'Globs of the only paths a coding agent may edit while working on the phase (stagedocs guard refuses any other path).', { examples: [['core/engine/executor.py']] }),
          must_not_modify: described(stringList, 'Globs of paths a coding agent may never edit (stagedocs guard refuses them, even inside may_modify).', { examples: [['schema/**', '.state/**']] }),
        },
        patternProperties: extensionKeys,
        additionalProperties: false,
      },
      'What coding agents may and may not edit, enforced by `stagedocs guard`.',
      { examples: [{ may_modify: ['src/engine/**'], must_not_modify: ['schema/**'] }] },
    ),
    readiness: described(
      {
        type: 'object',
        properties: {
          maturity: maturitySchema,
          risk: described(
            { type: 'object', propertyNames: { pattern: '^[a-z][a-z0-9_-]*$' }, additionalProperties: enumOf<RiskLevel>({ low: 'unlikely or cheap', medium: 'possible and costly', high: 'likely or very costly', 'very-high': 'expected, or it would be disastrous' }, 'The level of this risk.') },
            'Named risks (lowercase names such as execution or data_loss) and their level.',
            { examples: [{ execution: 'very-high', data_loss: 'medium' }] },
          ),
          production_gate: productionGateSchema,
        },
        patternProperties: extensionKeys,
        additionalProperties: false,
      },
      'How ready what the phase delivers is: maturity, risks and whether it may go to production; shown by status and audit packs.',
      { examples: [{ maturity: 'design-only', production_gate: 'disallowed', risk: { execution: 'very-high' } }] },
    ),
    pattern: described(nonEmptyString, 'The stage pattern the phase was scaffolded from (mvp-backend, ui-hardening, integrations, research, empty or your own).', {
      examples: ['mvp-backend'],
    }),
    contracts: described(idList, 'Outcome contracts every stage of the phase must pass: their requirements count as gates of each stage, before the stage\'s own contracts and gates (docs/contracts.md).', {
      examples: [['implementation']],
    }),
    approvals: approvalsSchema,
  },
  patternProperties: extensionKeys,
  additionalProperties: false,
} as const;

const decisionSchema = {
  $id: `${SCHEMA_BASE}/decision.json`,
  title: 'stagedocs decision note',
  description: 'The frontmatter of a decision note: why a stage runs the way it does, or why a failed gate is rerun.',
  type: 'object',
  required: ['decision_tag', 'kind', 'title', 'date', 'status'],
  properties: {
    decision_tag: described(id, `The decision's tag, unique across the repository and the file's name. It ${ID_TEXT}.`, { examples: ['D-2026-11-21-001'] }),
    kind: described({ const: 'decision' }, 'The document kind: decision.'),
    title: described(text, 'What was decided, in a line.', { examples: ['Rerun the coverage gate after fixing the flaky test'] }),
    owner: described(text, 'Who took the decision.', { examples: ['alice@example.com'] }),
    date: described({ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, 'The day of the decision, YYYY-MM-DD (quote it, or YAML reads a date).', { examples: ['2026-11-21'] }),
    status: enumOf<DecisionStatus>(
      {
        proposed: 'under discussion, not yet in force',
        accepted: 'in force',
        superseded: 'replaced by a later decision (which names this one in supersedes)',
        rejected: 'considered and turned down',
      },
      'Where the decision stands.',
    ),
    stages: described(idList, 'Ids of the stages the decision applies to; a phase id (its exit gates) or `<phase-id>-entry` (its entry gates) for a decision that answers a failed run of a phase\'s gates.', { examples: [['P1-S03']] }),
    supersedes: described(id, 'The decision_tag of the decision this one replaces.', { examples: ['D-2026-11-01-002'] }),
    rerun_of: described(nonEmptyString, 'The run id of the failed gate run this decision reruns; such a note needs a Root cause section.', {
      examples: ['P1-S03_20261121T090726Z'],
    }),
  },
  patternProperties: extensionKeys,
  additionalProperties: false,
} as const;

const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

const freezeSchema = {
  $id: `${SCHEMA_BASE}/freeze.json`,
  title: 'stagedocs freeze file',
  description: 'A freeze file, written by `stagedocs freeze`: the scope and inputs of a stage, immutable once committed.',
  type: 'object',
  required: ['stage', 'protocol_version', 'created_at', 'inputs'],
  properties: {
    stage: described(id, 'The id of the frozen stage.', { examples: ['S0-scope'] }),
    decision_tag: described(id, 'The decision note the freeze follows.', { examples: ['D-2026-11-21-001'] }),
    protocol_version: described(nonEmptyString, 'The version of the protocol that was frozen, as a string.', { examples: ['1.0'] }),
    created_at: described({ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' }, 'When the freeze was made, UTC ISO 8601.', {
      examples: ['2026-11-21T09:07:26Z'],
    }),
    commit: described({ type: 'string', pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' }, 'The full git commit the inputs were hashed at.'),
    scope: described({ type: 'object' }, 'The frozen scope, free-form: what the stage will and will not do.'),
    inputs: described(
      { type: 'object', additionalProperties: described(sha256, 'The sha256 of the file, in lowercase hex.') },
      'Every frozen input: its repository-relative path and the sha256 of its content.',
    ),
  },
  additionalProperties: false,
} as const;

/**
 * An outcome contract file: requirements written once, exactly as stages write gates, that every
 * stage or phase naming the contract in `contracts:` must pass (docs/contracts.md).
 */
export const contractSchema = {
  $id: `${SCHEMA_BASE}/contract.json`,
  title: 'stagedocs contract',
  description: 'An outcome contract (contracts/<contract_id>.yaml): requirements, each a gate as stages write them, that every stage or phase naming the contract in `contracts:` must pass.',
  type: 'object',
  required: ['contract_id', 'title', 'requirements'],
  properties: {
    contract_id: described(id, `The contract's id, which stages and phases name in \`contracts:\`; it must equal the file name without .yaml. It ${ID_TEXT}.`, { examples: ['implementation_v1'] }),
    title: described(text, "The contract's title, for status, audit packs and reviewers.", { examples: ['Implementation is real'] }),
    description: described({ type: 'string' }, 'What holding to the contract proves, in a sentence or two.'),
    requirements: described({ type: 'array', items: gateSchema, minItems: 1 }, 'The requirements: each a gate exactly as a stage writes it (every gate type and field; `id` is the requirement id, unique within the contract; `severity` blocking or warning; thresholds as the gate type takes them, e.g. max_rate, coverage.min, min_rate).', {
      examples: [[{ id: 'no_stubs', type: 'no-stubs', include: ['src/**/*.ts'], max_rate: 0.05 }]],
    }),
    slo_thresholds: described(
      { type: 'object', additionalProperties: described({ type: 'number' }, 'The target value of the named quantity.') },
      'Named target values (for example stub_rate: 0.05), informative: shown to reviewers in the contract, while the verdict is judged by each requirement\'s own threshold.',
      { examples: [{ stub_rate: 0.05, feature_coverage: 0.8 }] },
    ),
  },
  patternProperties: extensionKeys,
  additionalProperties: false,
} as const;

export const severitySetting = enumOf(
  { off: 'the rule does not run', warn: 'its findings are warnings: reported, exit code 0', error: 'its findings are errors: validation fails (exit code 1)' },
  "The rule's severity.",
);

const requiredSections = (kind: 'phase' | 'stage' | 'decision', defaults: string) =>
  described(
    {
      type: 'object',
      properties: {
        required_sections: described({ type: 'array', items: nonEmptyString, uniqueItems: true }, `The level-2 headings every ${kind} must have, in order (default: ${defaults}).`),
      },
      additionalProperties: false,
    },
    `Settings of ${kind} documents.`,
  );

export const configSchema = {
  $id: `${SCHEMA_BASE}/config.json`,
  title: 'stagedocs configuration',
  description: 'stagedocs.config.yaml: where documents live, what they must contain, and which rules run how.',
  type: 'object',
  properties: {
    paths: described(
      {
        type: 'object',
        properties: {
          stages: described(nonEmptyString, 'The folder of phases and stages (default stages).', { examples: ['stages'] }),
          decisions: described(nonEmptyString, 'The folder of decision notes (default decisions).', { examples: ['decisions'] }),
          freeze: described(nonEmptyString, 'The folder of freeze files (default freeze).', { examples: ['freeze'] }),
          gate_results: described(nonEmptyString, 'The folder of gate runs and the gate registry (default gate_results).', { examples: ['gate_results'] }),
          templates: described(nonEmptyString, 'The folder of template and pattern overrides (default templates).', { examples: ['templates'] }),
          contracts: described(nonEmptyString, 'The folder of outcome contracts, one `<contract_id>.yaml` each (default contracts).', { examples: ['contracts'] }),
        },
        additionalProperties: false,
      },
      'Folders, relative to the repository root.',
    ),
    kinds: described(
      {
        type: 'object',
        properties: {
          phase: requiredSections('phase', 'Goal, Exit Definition'),
          stage: requiredSections('stage', 'Objectives, Deliverables, Acceptance Criteria, Audit & Review Steps, Rollback Plan, Versioning & Traceability'),
          decision: requiredSections('decision', 'Context, Decision, Consequences'),
        },
        additionalProperties: false,
      },
      'Settings by document kind.',
    ),
    rules: described(
      {
        type: 'object',
        additionalProperties: described(
          {
            anyOf: [
              severitySetting,
              {
                type: 'object',
                properties: { severity: severitySetting },
                additionalProperties: true,
              },
            ],
          },
          "A rule's setting: its severity, or an object with severity and the rule's options (docs/rules/<id>.md).",
          { examples: ['warn', { severity: 'error', max_hours: 6 }] },
        ),
      },
      'Rule settings by rule id.',
      { examples: [{ 'stage-size': { severity: 'warn', max_hours: 6 }, 'broken-link': 'off' }] },
    ),
    tags: described(
      {
        type: 'object',
        properties: {
          sign_off: described({ type: 'string', pattern: '\\{stage\\}' }, 'The name of the annotated tag that signs a stage off; must contain {stage}.', {
            examples: ['stagedocs/{stage}/signed-off'],
          }),
          phase_sign_off: described({ type: 'string', pattern: '\\{phase\\}' }, 'The name of the annotated tag that signs a phase off; must contain {phase}.', {
            examples: ['stagedocs/{phase}/signed-off'],
          }),
        },
        additionalProperties: false,
      },
      'Git tag name formats.',
    ),
    limits: described(
      {
        type: 'object',
        properties: {
          max_file_bytes: described({ type: 'integer', minimum: 1024 }, 'The largest document read, in bytes (default 1048576); a larger one is an error.', { examples: [1048576] }),
        },
        additionalProperties: false,
      },
      'Size limits.',
    ),
    gates: described(
      {
        type: 'object',
        properties: {
          default_timeout: described({ type: 'number', exclusiveMinimum: 0, maximum: MAX_TIMEOUT_SECONDS }, "Seconds a gate may run when it sets no timeout of its own (default 600; at most 7 days).", { examples: [600] }),
          max_log_bytes: described({ type: 'integer', minimum: 1024 }, 'The most bytes of output run.log keeps per run (default 5242880).', { examples: [5242880] }),
          redact: described({ type: 'array', items: nonEmptyString }, 'Regular expressions whose matches are blanked out of gate output, besides the built-in secrets.', {
            examples: [['internal\\.example\\.com']],
          }),
        },
        additionalProperties: false,
      },
      'Gate run settings.',
    ),
    audit_pack: described(
      {
        type: 'object',
        properties: {
          allow_template_overrides: described(
            { type: 'boolean' },
            "Whether `audit-pack` uses this repository's overrides of the audit-pack templates in CI (CI or GITHUB_ACTIONS set; default false: refused there, since a pull request can add one). Overrides are compiled in restricted mode either way.",
            { examples: [true] },
          ),
        },
        additionalProperties: false,
      },
      'Audit pack settings.',
    ),
    runner: described(
      {
        type: 'object',
        properties: {
          labels: runnerLabels('The labels of this machine as a gate runner, matched against runs_on (STAGEDOCS_RUNNER_LABELS, comma-separated, overrides them).'),
        },
        additionalProperties: false,
      },
      'Where gates run: this runner\'s labels.',
    ),
    phases: described(
      {
        type: 'object',
        properties: {
          upstream_requires: enumOf(
            {
              'signed-off': 'its phase sign-off tag exists (the default)',
              done: 'its document has `status: done`, signed off or not (what `validate`, which reads no tags, always judges)',
            },
            "What clears an upstream phase of a phase's `entry.phases` for `gate run`, `sign-off`, `status` and the other commands that read git.",
            { examples: ['done'] },
          ),
        },
        additionalProperties: false,
      },
      'Phase contract settings.',
    ),
  },
  additionalProperties: false,
} as const;

export const DOCUMENT_SCHEMAS = {
  stage: stageSchema,
  phase: phaseSchema,
  decision: decisionSchema,
  freeze: freezeSchema,
  contract: contractSchema,
} as const;
