import { describe, expect, it } from 'vitest';
import { decision } from '../helpers/documents.js';
import { freePort, gateRepo, gateStage, readReport, runFolders } from '../helpers/gates.js';
import { git, runCli, writeTree } from '../helpers/repo.js';

const S00 = 'stages/mvp/00-foundation.md';

const NOT_IMPLEMENTED = 5 * 100 + 1;

/** A route handler that is only a stub: it answers 501 and says so. */
const stubRoute = (name: string) => `// ${name}: not implemented yet\nexport function ${name}(req, res) {\n  res.writeHead(${NOT_IMPLEMENTED});\n  res.end();\n}\n`;

const SERVER = `import { createServer } from 'node:http';
import { health } from './src/health.mjs';
import { orders } from './src/orders.mjs';
import { refunds } from './src/refunds.mjs';
const routes = { '/healthz': health, '/orders': orders, '/refunds': refunds };
createServer((req, res) => (routes[req.url] ?? ((_, r) => r.writeHead(404).end()))(req, res)).listen(Number(process.argv[2]), '127.0.0.1');
`;

/**
 * Issue 15's implementation contract, written as gates: the two builds, no stubs (at most 5% of the
 * files), the API answering (functional), PRD traceability and coverage as warnings.
 */
function contractGates(port: number): string {
  return [
    '  - id: backend_builds\n    type: build\n    tool: npm\n    cwd: backend',
    '  - id: frontend_builds\n    type: build\n    tool: npm\n    cwd: frontend',
    '  - id: no_stubs\n    type: no-stubs\n    include: ["src/**/*.mjs"]\n    max_rate: 0.05',
    `  - id: functional_code\n    type: http\n    start: "node server.mjs ${port}"\n    ready: { url: "http://127.0.0.1:${port}/healthz", timeout: 20 }\n    no_status: [${NOT_IMPLEMENTED}]\n    requests:\n      - { path: /healthz, expect: { status: 200, body_matches: ok } }\n      - { path: /orders, expect: { status: 200, body_matches: "\\\\[" } }\n      - { path: /refunds, expect: { status: 200 } }`,
    '  - id: prd_features\n    type: prd-trace\n    severity: warning\n    document: docs/prd.md\n    include: ["src/**"]\n    min_rate: 0.8',
    '  - id: quality_slo\n    type: coverage\n    severity: warning\n    run: "mkdir -p coverage && node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=coverage/lcov.info test/"\n    coverage: { file: coverage/lcov.info, min: { lines: 95 } }',
  ].join('\n');
}

describe('the implementation contract of issue 15 on a small real project', () => {
  it('blocks a project with two stub routes and no build script (4 blocking failures, 2 warnings), then passes once it builds and the stubs are gone', async () => {
    const port = await freePort();
    const dir = gateRepo(
      { [S00]: gateStage(contractGates(port)) },
      {
        '.gitignore': '.stagedocs/\ncoverage/\ndist/\n',
        'backend/package.json': JSON.stringify({ name: 'backend', private: true, scripts: { test: 'node --test' } }),
        'frontend/package.json': JSON.stringify({ name: 'frontend', private: true, scripts: {} }),
        'docs/prd.md': '# PRD\n\n- FR-1 health check\n- FR-2 list orders\n- FR-3 refunds\n',
        'server.mjs': SERVER,
        'src/health.mjs': '// FR-1\nexport function health(req, res) {\n  res.writeHead(200).end("ok");\n}\nexport function version() {\n  return "1";\n}\n',
        'src/orders.mjs': stubRoute('orders'),
        'src/refunds.mjs': stubRoute('refunds'),
        'src/money.mjs': 'export const cents = (amount) => Math.round(amount * 100);\n',
        'test/health.test.mjs': 'import { test } from "node:test";\nimport assert from "node:assert";\nimport { health } from "../src/health.mjs";\n// FR-1\ntest("health", () => {\n  let body = "";\n  health({}, { writeHead: () => ({ end: (text) => (body = text) }) });\n  assert.equal(body, "ok");\n});\n',
      },
    );
    const blocked = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(blocked.code).toBe(1);
    const first = JSON.parse(blocked.stdout);
    const outcomes = Object.fromEntries(first.gates.map((gate: { id: string; outcome: string; severity: string }) => [gate.id, `${gate.severity} ${gate.outcome}`]));
    expect(outcomes).toEqual({
      backend_builds: 'blocking fail',
      frontend_builds: 'blocking fail',
      no_stubs: 'blocking fail',
      functional_code: 'blocking fail',
      prd_features: 'warning fail',
      quality_slo: 'warning fail',
    });
    expect(first).toMatchObject({ overall_pass: false, blocking_failures: 4, warnings: 2 });
    const gate = (id: string) => first.gates.find((result: { id: string }) => result.id === id);
    expect(gate('backend_builds').summary).toBe('no build script: backend/package.json has no `scripts.build`, expected the command `npm run build` builds');
    expect(gate('no_stubs').summary).toMatch(/^2 of 4 files hold stubs \(50%\), max 5%/);
    expect(gate('functional_code').summary).toBe(`1 of 3 requests answered as expected; GET /orders: ${NOT_IMPLEMENTED}, which no_status forbids; GET /refunds: ${NOT_IMPLEMENTED}, which no_status forbids`);
    // FR-1 is in code and a test; FR-2 and FR-3 nowhere: a third is implemented.
    expect(gate('prd_features').summary).toBe('1 of 3 requirements referenced from code and a test (33.3%), min 80%; unreferenced: FR-2, FR-3');
    expect(gate('quality_slo').summary).toMatch(/^lcov coverage\/lcov\.info: lines [\d.]+% < min 95%$/);
    // The working contract an agent reads says what each requirement type asks.
    const context = JSON.parse(runCli(dir, ['context', 'P1-S00', '--format', 'json']).stdout);
    const requirements = Object.fromEntries(context.gates.map((entry: { id: string; requirement?: string }) => [entry.id, entry.requirement]));
    expect(requirements).toMatchObject({
      backend_builds: '`cd backend && npm run build` exits 0',
      functional_code: `\`node server.mjs ${port}\` serves: GET /healthz -> 200, GET /orders -> 200, GET /refunds -> 200; never ${NOT_IMPLEMENTED}`,
      quality_slo: 'lines >= 95% in coverage/lcov.info',
    });

    // The fix: both packages build, the routes are implemented (and traced), a decision explains the rerun.
    const files: Record<string, string> = {
      'backend/package.json': JSON.stringify({ name: 'backend', private: true, scripts: { build: 'node -e "require(\'fs\').mkdirSync(\'dist\', { recursive: true })"' } }),
      'frontend/package.json': JSON.stringify({ name: 'frontend', private: true, scripts: { build: 'node -e "require(\'fs\').mkdirSync(\'dist\', { recursive: true })"' } }),
      // The untested helper goes: coverage reaches its minimum too.
      'src/health.mjs': '// FR-1\nexport function health(req, res) {\n  res.writeHead(200).end("ok");\n}\n',
      'src/orders.mjs': '// FR-2\nexport function orders(req, res) {\n  res.writeHead(200).end(JSON.stringify([{ id: 1 }]));\n}\n',
      'src/refunds.mjs': '// FR-3\nexport function refunds(req, res) {\n  res.writeHead(200).end("[]");\n}\n',
      'test/routes.test.mjs': 'import { test } from "node:test";\nimport assert from "node:assert";\nimport { orders } from "../src/orders.mjs";\nimport { refunds } from "../src/refunds.mjs";\n// FR-2, FR-3\ntest("routes", () => {\n  let body = "";\n  const res = { writeHead: () => ({ end: (text) => (body = text) }) };\n  orders({}, res);\n  assert.match(body, /id/);\n  refunds({}, res);\n  assert.equal(body, "[]");\n});\n',
      'decisions/D-2026-11-21-001.md': decision({ extra: 'stages: [P1-S00]\n', body: '## Context\nThe first run failed.\n\n## Decision\nImplement the routes and add the build scripts.\n\n## Consequences\nThe stage can pass.\n\n## Root cause\nBoth packages had no build script and two routes were stubs answering 501.\n' }),
    };
    writeTree(dir, files);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'implement the routes, add the builds');
    const passing = runCli(dir, ['gate', 'run', 'P1-S00', '--decision', 'D-2026-11-21-001', '--format', 'json']);
    const second = JSON.parse(passing.stdout);
    expect(second.gates.filter((result: { outcome: string }) => result.outcome !== 'pass').map((result: { id: string; summary: string }) => `${result.id}: ${result.summary}`)).toEqual([]);
    expect(passing.code).toBe(0);
    expect(second).toMatchObject({ overall_pass: true, blocking_failures: 0, warnings: 0 });
    expect(runFolders(dir)).toHaveLength(2);
    expect(readReport(dir, runFolders(dir)[0]!).overall_pass).toBe(false);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  }, 60_000);
});
