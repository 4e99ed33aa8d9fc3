import { placeOf, type GateSpec } from '../model/documents.js';
import { findSection } from '../model/sections.js';
import { needsProblems } from '../model/gate-needs.js';
import { truncate } from '../util/text.js';
import { documentRule } from './types.js';

/**
 * Something a reader can check without judgement: inline code (a command), a number or threshold, a
 * comparison, a path or URL, or a verb that names an observable outcome.
 */
const OBJECTIVE_ANCHOR = new RegExp(
  [
    '`[^`]+`',
    '\\d',
    '[<>]=?|≥|≤|==',
    '\\b(?:https?://|\\./|/)\\S+',
    '\\b[\\w-]+\\.(?:json|md|ts|js|csv|ya?ml|sh|txt|log|html)\\b',
    '\\b(?:returns?|exits?|prints?|responds?|outputs?|emits?|logs?|contains?|exists?|creates?|writes?|lists?|shows?|rejects?|refuses?|reports?|reported|fails?\\s+with|matches|equals)\\b',
  ].join('|'),
  'i',
);

/** The phrases the product brief calls out; quoted in the hint when they occur. */
const VAGUE_PHRASES = /\b(tests? pass(?:es)?|works? (?:correctly|properly|as expected|fine|well)|looks? (?:clean|good|fine|nice)|is (?:done|complete|ready|clean|robust|fast|good)|no bugs|high quality|user[- ]friendly|as needed|properly|correctly)\b/i;

export const objectiveGate = documentRule(
  {
    id: 'objective-gate',
    description: 'Gates must be executable (`run`) or measurable (`type` with thresholds), and acceptance criteria must name a command, a number or an observable outcome.',
    defaultSeverity: 'error',
    kinds: ['stage'],
  },
  (doc, context) => {
    const gates = Array.isArray(doc.data?.gates) ? (doc.data.gates as GateSpec[]) : [];
    // A stage held to contracts has their requirements as gates (contract-reference checks the ids).
    const contracts = Array.isArray(doc.data?.contracts) ? doc.data.contracts.length : 0;
    if (gates.length === 0 && contracts === 0 && doc.data) {
      context.report({
        ...placeOf(doc, '/gates', 'key'),
        message: 'Stage has no gates, expected at least one executable or measurable gate',
        hint: 'Add `gates: [{ id: tests, run: "npm test" }]` or a measured requirement such as `type: no-stubs`.',
      });
    }
    const wellFormed = gates.filter((gate) => gate && typeof gate === 'object' && typeof gate.id === 'string');
    if (wellFormed.length === gates.length) {
      for (const problem of needsProblems(gates)) {
        context.report({ ...placeOf(doc, `/gates/${problem.gate}/needs/${Math.max(0, problem.need)}`), message: `Gate \`${gates[problem.gate]!.id}\` ${problem.message}`, hint: problem.hint });
      }
    }
    gates.forEach((gate, index) => {
      if (!gate || typeof gate !== 'object') return;
      const problem = gateProblem(gate, Array.isArray(doc.data?.produces) && doc.data.produces.length > 0);
      if (problem) {
        context.report({ ...placeOf(doc, `/gates/${index}`), message: `Gate \`${String(gate.id)}\` ${problem.message}`, hint: problem.hint });
      }
    });

    const criteria = findSection(doc, 'Acceptance Criteria');
    if (!criteria || criteria.empty) return;
    const items = criteria.items.length > 0 ? criteria.items : [{ text: criteria.text.replace(/\s+/g, ' ').trim(), line: criteria.contentLine, column: 1 }];
    for (const item of items) {
      if (OBJECTIVE_ANCHOR.test(item.text)) continue;
      const phrase = VAGUE_PHRASES.exec(item.text)?.[0];
      context.report({
        line: item.line,
        column: item.column,
        message: `Acceptance criterion is vague: "${truncate(item.text)}", expected a command, a number or an observable outcome`,
        hint: `${phrase ? `"${phrase}" cannot be re-run by anyone. ` : ''}Name the command and its result (\`npm test\` exits 0), a threshold (coverage >= 70%), or the gate that checks it in backticks (\`api-up\` passes).`,
      });
    }
  },
);

function gateProblem(gate: GateSpec, stageProduces: boolean): { message: string; hint: string } | undefined {
  const type = gate.type ?? (gate.metric ? 'metric' : gate.run ? 'run' : undefined);
  switch (type) {
    case undefined:
      return { message: 'has neither `run` nor `type`, expected a command or a measured requirement', hint: 'Add `run: <command>` or `type: build | coverage | http | no-stubs | produces | prd-trace | metric` with its threshold.' };
    case 'run':
      return gate.run ? undefined : { message: 'is of type `run` without a `run` command', hint: 'Add `run: <command>`, e.g. `run: npm test`.' };
    case 'metric':
      if (!gate.metric) return { message: 'is of type `metric` without a `metric`', hint: 'Add `metric: { file: coverage/coverage-summary.json, path: total.lines.pct, min: 70 }`.' };
      if (gate.metric.min === undefined && gate.metric.max === undefined) return { message: 'measures a metric without a threshold, expected `min` or `max`', hint: 'Add `min:` or `max:` to the metric.' };
      return undefined;
    case 'no-stubs':
      if (!gate.include?.length) return { message: 'of type `no-stubs` has no `include` globs', hint: 'Add `include: ["src/**/*.ts"]`.' };
      if (gate.max_rate === undefined) return { message: 'of type `no-stubs` has no `max_rate`, expected a threshold', hint: 'Add `max_rate: 0.05` (5% of files may hold stubs).' };
      return undefined;
    case 'produces':
      return gate.files?.length || stageProduces ? undefined : { message: 'of type `produces` has no files to check', hint: 'List them in `files:` on the gate or in the stage\'s `produces:`.' };
    case 'prd-trace':
      if (!gate.document) return { message: 'of type `prd-trace` has no `document`', hint: 'Add `document: docs/prd.md`, the file that lists requirement ids such as REQ-12.' };
      if (!gate.include?.length) return { message: 'of type `prd-trace` has no `include` globs', hint: 'Add `include: ["src/**", "test/**"]`.' };
      if (gate.min_rate === undefined) return { message: 'of type `prd-trace` has no `min_rate`, expected a threshold', hint: 'Add `min_rate: 0.8`.' };
      return undefined;
    case 'build':
      return gate.tool ? undefined : { message: 'of type `build` has no `tool`', hint: 'Add `tool: npm` (or pnpm, yarn, make, cargo, go, python).' };
    case 'coverage':
      if (!gate.coverage) return { message: 'of type `coverage` has no `coverage`', hint: 'Add `coverage: { file: coverage/lcov.info, min: { lines: 80 } }`.' };
      return undefined;
    case 'http':
      if (!gate.start) return { message: 'of type `http` has no `start` command', hint: 'Add `start: node server.js`, the command that starts the server.' };
      if (!gate.ready?.url && !gate.ready?.port) return { message: 'of type `http` has no `ready` url or port, expected when the server is up', hint: 'Add `ready: { url: http://127.0.0.1:8080/healthz, timeout: 30 }`.' };
      if (!gate.requests?.length) return { message: 'of type `http` has no `requests`', hint: 'Add `requests: [{ path: /healthz, expect: { status: 200 } }]`.' };
      return undefined;
  }
}
