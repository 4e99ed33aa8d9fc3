import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatorFor } from '../../src/model/ajv.js';
import { runReportSchema } from '../../src/model/report-schema.js';
import { freePort, gateRepo, gateStage, runFolders, waitForProcessGone } from '../helpers/gates.js';
import { runCli } from '../helpers/repo.js';

const S00 = 'stages/mvp/00-foundation.md';
const FIXTURES = path.join(import.meta.dirname, '../fixtures/coverage');
const STUB_FIXTURES = path.join(import.meta.dirname, '../fixtures/stubs');

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * A small real API: /healthz answers ok, an order can go from `new` to `paid` only (else 409), and
 * /refunds is a stub that answers 501 (the "no 501s" case). It writes its pid so a test can see it
 * was stopped.
 */
const SERVER = `import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
const port = Number(process.argv[2]);
writeFileSync('server.pid', String(process.pid));
const orders = new Map([['1', 'new']]);
createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    if (req.url === '/healthz') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    const transition = /^\\/orders\\/(\\d+)\\/transition$/.exec(req.url ?? '');
    if (transition && req.method === 'POST') {
      const to = JSON.parse(body || '{}').to;
      if (orders.get(transition[1]) === 'new' && to === 'paid') { orders.set(transition[1], 'paid'); return res.writeHead(200).end('{"status":"paid"}'); }
      return res.writeHead(409).end('{"error":"invalid transition"}');
    }
    if (req.url === '/letters') return res.writeHead(200).end('a'.repeat(40) + 'b');
    if (req.url === '/refunds') return res.writeHead(${'5' + '01'}).end();
    res.writeHead(404).end();
  });
}).listen(port, '127.0.0.1');
`;

describe('gate type build', () => {
  it('fails a project without the build script, saying so, and a failing build with its last lines', () => {
    const dir = gateRepo({
      'backend/package.json': JSON.stringify({ name: 'backend', scripts: { test: 'true' } }),
      'frontend/package.json': JSON.stringify({ name: 'frontend', scripts: { build: 'node build.mjs' } }),
      'frontend/build.mjs': "console.log('compiling 3 files');\nconsole.error('src/app.ts(4,7): error TS2322: Type string is not assignable to type number');\nprocess.exit(2);\n",
      [S00]: gateStage(
        [
          '  - id: backend-builds\n    type: build\n    tool: npm\n    cwd: backend',
          '  - id: frontend-builds\n    type: build\n    tool: npm\n    cwd: frontend',
          '  - id: no-makefile\n    type: build\n    tool: make\n    severity: warning',
        ].join('\n'),
      ),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(validatorFor(runReportSchema)(report)).toBe(true);
    const [backend, frontend, make] = report.gates;
    expect(backend).toMatchObject({ type: 'build', outcome: 'fail', summary: 'no build script: backend/package.json has no `scripts.build`, expected the command `npm run build` builds' });
    expect(frontend).toMatchObject({ type: 'build', outcome: 'fail', exit_code: 2, details: { command: "cd frontend && npm run build" } });
    expect(frontend.summary).toMatch(/^build `cd frontend && npm run build` exit 2, expected 0; last lines: .*error TS2322: Type string is not assignable/);
    expect(make).toMatchObject({ severity: 'warning', outcome: 'fail', summary: 'no build: GNUmakefile or makefile or Makefile does not exist, expected the make project to build' });
    expect(report).toMatchObject({ blocking_failures: 2, warnings: 1 });
    const [runId] = runFolders(dir);
    expect(readFileSync(path.join(dir, 'gate_results', runId!, 'command.sh'), 'utf8')).toContain("sh -c 'cd frontend && npm run build'");
  });

  it('passes a build that exits 0, with a custom script and make target', () => {
    const dir = gateRepo({
      'package.json': JSON.stringify({ name: 'app', scripts: { 'build:prod': 'node -e "require(\'fs\').writeFileSync(\'dist.txt\', \'built\')"' } }),
      Makefile: 'all:\n\techo made > made.txt\n',
      [S00]: gateStage('  - id: bundle\n    type: build\n    tool: npm\n    script: "build:prod"\n  - id: native\n    type: build\n    tool: make'),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(0);
    const [bundle, native] = JSON.parse(result.stdout).gates;
    expect(bundle).toMatchObject({ outcome: 'pass', exit_code: 0, summary: '`npm run build:prod` exit 0' });
    expect(native).toMatchObject({ outcome: 'pass', summary: '`make` exit 0' });
    expect(readFileSync(path.join(dir, 'dist.txt'), 'utf8')).toBe('built');
  });
});

describe('gate type coverage', () => {
  it('reads the lcov report a real test run (node --test) writes, with a minimum per metric', () => {
    const dir = gateRepo({
      'lib.mjs': 'export function grade(score) {\n  if (score >= 50) return "pass";\n  return "fail";\n}\nexport function unused() {\n  return 1;\n}\n',
      'lib.test.mjs': 'import { test } from "node:test";\nimport assert from "node:assert";\nimport { grade } from "./lib.mjs";\ntest("grade", () => assert.equal(grade(70), "pass"));\n',
      [S00]: gateStage(
        [
          '  - id: coverage\n    type: coverage\n    run: "mkdir -p coverage && node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=coverage/lcov.info lib.test.mjs"\n    coverage: { file: coverage/lcov.info, min: { lines: 50, functions: 90 } }',
          '  - id: lines-only\n    type: coverage\n    coverage: { file: coverage/lcov.info, min: { lines: 50 } }',
          '  - id: statements\n    type: coverage\n    severity: warning\n    coverage: { file: coverage/lcov.info, min: { statements: 50 } }',
        ].join('\n'),
      ),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const [coverage, linesOnly, statements] = JSON.parse(result.stdout).gates;
    const lcov = readFileSync(path.join(dir, 'coverage/lcov.info'), 'utf8');
    expect(lcov).toMatch(/^SF:lib\.mjs$/m);
    // The numbers come from the report node wrote: sums of LH/LF and FNH/FNF over its records.
    const sum = (key: string) => [...lcov.matchAll(new RegExp(`^${key}:(\\d+)$`, 'gm'))].reduce((total, match) => total + Number(match[1]), 0);
    const linePct = Math.round((sum('LH') / sum('LF')) * 10000) / 100;
    const functionPct = Math.round((sum('FNH') / sum('FNF')) * 10000) / 100;
    expect(functionPct).toBeLessThan(90);
    expect(coverage).toMatchObject({ type: 'coverage', outcome: 'fail', measured: { value: linePct, min: 50 }, details: { format: 'lcov', below: ['functions'] } });
    expect(coverage.summary).toBe(`lcov coverage/lcov.info: lines ${linePct}% >= min 50%, functions ${functionPct}% < min 90%`);
    expect(linesOnly).toMatchObject({ outcome: 'pass' });
    expect(statements).toMatchObject({ outcome: 'fail', summary: 'lcov coverage/lcov.info: statements not in the report', details: { missing: ['statements'] } });
  });

  it('reads istanbul json-summary and Cobertura XML (golden files), and refuses a file of another format', () => {
    const dir = gateRepo({
      'coverage/coverage-summary.json': readFileSync(path.join(FIXTURES, 'coverage-summary.json'), 'utf8'),
      'coverage.xml': readFileSync(path.join(FIXTURES, 'coverage.xml'), 'utf8'),
      'junit.xml': readFileSync(path.join(FIXTURES, 'not-cobertura.xml'), 'utf8'),
      [S00]: gateStage(
        [
          '  - id: istanbul\n    type: coverage\n    coverage: { file: coverage/coverage-summary.json, min: { lines: 70, statements: 70, functions: 80, branches: 60 } }',
          '  - id: cobertura\n    type: coverage\n    coverage: { file: coverage.xml, min: { lines: 80, branches: 60 } }',
          '  - id: junit\n    type: coverage\n    coverage: { file: junit.xml, format: cobertura, min: { lines: 1 } }',
          '  - id: absent\n    type: coverage\n    coverage: { file: coverage/missing.info, min: { lines: 1 } }',
        ].join('\n'),
      ),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const [istanbul, cobertura, junit, absent] = JSON.parse(result.stdout).gates;
    expect(istanbul).toMatchObject({
      outcome: 'fail',
      summary: 'istanbul coverage/coverage-summary.json: lines 75% >= min 70%, branches 55% < min 60%, functions 85% >= min 80%, statements 73.84% >= min 70%',
      details: { coverage: { lines: 75, branches: 55, functions: 85, statements: 73.84 } },
    });
    expect(cobertura).toMatchObject({ outcome: 'pass', summary: 'cobertura coverage.xml: lines 82% >= min 80%, branches 60% >= min 60%', measured: { value: 82, min: 80 } });
    expect(junit).toMatchObject({ outcome: 'fail', summary: 'coverage report junit.xml cannot be read as cobertura: its root element is not `<coverage>`, expected Cobertura XML' });
    expect(absent).toMatchObject({ outcome: 'fail', summary: 'coverage report coverage/missing.info does not exist' });
  });
});

describe('gate type http', () => {
  it('starts a real server, checks /healthz, a 409 and forbids 501, then stops the server', async () => {
    const port = await freePort();
    const requests = [
      `{ path: /healthz, expect: { status: 200, body_matches: '"status":"ok"' } }`,
      `{ method: POST, path: /orders/1/transition, body: '{"to":"shipped"}', headers: { content-type: application/json }, expect: { status: 409 } }`,
      `{ method: POST, path: /orders/1/transition, body: '{"to":"paid"}', expect: { status: 200, body_matches: paid } }`,
    ];
    const gate = (id: string, extra: string[]) => `  - id: ${id}\n    type: http\n    start: "node server.mjs ${port}"\n    ready: { url: "http://127.0.0.1:${port}/healthz", timeout: 20 }\n    no_status: [501]\n    requests:\n${[...requests, ...extra].map((request) => `      - ${request}`).join('\n')}`;
    const dir = gateRepo({ 'server.mjs': SERVER, [S00]: gateStage(gate('api', [])) });
    const passing = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(passing.code).toBe(0);
    const api = JSON.parse(passing.stdout).gates[0];
    expect(api).toMatchObject({ type: 'http', outcome: 'pass', summary: '3 of 3 requests answered as expected', measured: { value: 3, min: 3 } });
    expect(api.details.requests.map((request: { status: number }) => request.status)).toEqual([200, 409, 200]);
    const pid = Number(readFileSync(path.join(dir, 'server.pid'), 'utf8'));
    await waitForProcessGone(pid);
    expect(await listening(port)).toBe(false);

    // The stub route answers 501: forbidden whatever the request expects.
    // A body pattern that backtracks for ever (it comes from the repository) is stopped after a second.
    writeFileSync(path.join(dir, S00), gateStage(gate('api', ['{ path: /refunds, expect: { status: 501 } }', "{ path: /letters, expect: { status: 200, body_matches: '^(a+)+$' } }"])));
    const started = Date.now();
    const failing = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout).gates[0]).toMatchObject({
      outcome: 'fail',
      summary: `3 of 5 requests answered as expected; GET /refunds: ${'5' + '01'}, which no_status forbids; GET /letters: matching the body against /^(a+)+$/ took over 1000 ms (a pattern that backtracks), expected a match`,
    });
    expect(await listening(port)).toBe(false);
  });

  it('fails, bounded, when the server never answers or exits first', async () => {
    const port = await freePort();
    const dir = gateRepo({
      [S00]: gateStage(
        `  - id: silent\n    type: http\n    start: "sleep 30"\n    ready: { port: ${port}, timeout: 1 }\n    requests: [{ path: /healthz, expect: { status: 200 } }]\n  - id: crashes\n    type: http\n    start: "echo cannot bind >&2; exit 3"\n    ready: { port: ${port}, timeout: 20 }\n    requests: [{ path: /healthz, expect: { status: 200 } }]\n  - id: slow\n    type: http\n    timeout: 1\n    start: "sleep 30"\n    ready: { port: ${port}, timeout: 20 }\n    requests: [{ path: /healthz, expect: { status: 200 } }]`,
      ),
    });
    const started = Date.now();
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.code).toBe(1);
    const [silent, crashes, slow] = JSON.parse(result.stdout).gates;
    // The gate's own timeout bounds the wait for ready too.
    expect(slow).toMatchObject({ outcome: 'timeout', summary: `timed out (the gate's timeout) before 127.0.0.1:${port} answered; every process of the server was stopped` });
    expect(silent).toMatchObject({ outcome: 'fail', summary: `127.0.0.1:${port} did not answer within 1 s of starting the server` });
    expect(crashes).toMatchObject({ outcome: 'fail', summary: `the server command exited (exit 3) before 127.0.0.1:${port} answered` });
    expect(crashes.details.output_tail).toContain('cannot bind');
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toMatch(/^sleep 30$/m);
  });
});

describe('gate type no-stubs markers', () => {
  it('reports every marker with its file and line (golden: test/fixtures/stubs/expected.txt)', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: stubs\n    type: no-stubs\n    include: ["app/**"]\n    exclude: ["app/expected.txt"]\n    max_rate: 0.05') });
    cpSync(STUB_FIXTURES, path.join(dir, 'app'), { recursive: true });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const gate = JSON.parse(result.stdout).gates[0];
    expect(gate.summary).toMatch(/^11 of 12 files hold stubs \(91\.7%\), max 5%/);
    const found = gate.details.files.flatMap((hit: { file: string; lines: Array<{ line: number; marker: string; text: string }> }) => hit.lines.map((line) => `${hit.file.slice('app/'.length)}:${line.line} ${line.marker}: ${line.text}\n`));
    expect(found.join('')).toBe(readFileSync(path.join(STUB_FIXTURES, 'expected.txt'), 'utf8'));
  });

});
