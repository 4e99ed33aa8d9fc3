import { decision } from './documents.js';

/**
 * The small real project of issue 15's "done when": a backend and a frontend package without build
 * scripts, an HTTP server whose two routes are stubs answering 501, a PRD of three requirements and a
 * test of the one route that works; then the same project fixed. Shared by the tests that hold it to
 * the implementation contract as stage gates (outcome-contract) and as a contract file (contracts).
 */
export const NOT_IMPLEMENTED = 5 * 100 + 1;

/** A route handler that is only a stub: it answers 501 and says so. */
export const stubRoute = (name: string) => `// ${name}: not implemented yet\nexport function ${name}(req, res) {\n  res.writeHead(${NOT_IMPLEMENTED});\n  res.end();\n}\n`;

const SERVER = `import { createServer } from 'node:http';
import { health } from './src/health.mjs';
import { orders } from './src/orders.mjs';
import { refunds } from './src/refunds.mjs';
const routes = { '/healthz': health, '/orders': orders, '/refunds': refunds };
createServer((req, res) => (routes[req.url] ?? ((_, r) => r.writeHead(404).end()))(req, res)).listen(Number(process.argv[2]), '127.0.0.1');
`;

/** The project as it starts: no build scripts, two stub routes, an untested helper. */
export const STUB_PROJECT: Record<string, string> = {
  '.gitignore': '.stagedocs/\ncoverage/\ndist/\n',
  'backend/package.json': JSON.stringify({ name: 'backend', private: true, scripts: { test: 'node --test' } }),
  'frontend/package.json': JSON.stringify({ name: 'frontend', private: true, scripts: {} }),
  'docs/prd.md': '# PRD\n\n- FR-1 health check\n- FR-2 list orders\n- FR-3 refunds\n',
  'server.mjs': SERVER,
  'src/health.mjs': '// FR-1\nexport function health(req, res) {\n  res.writeHead(200).end("ok");\n}\nexport function version() {\n  return "1";\n}\n',
  'src/orders.mjs': stubRoute('orders'),
  'src/refunds.mjs': stubRoute('refunds'),
  'src/money.mjs': 'export const cents = (amount) => Math.round(amount * 100);\n',
  'test/health.test.mjs':
    'import { test } from "node:test";\nimport assert from "node:assert";\nimport { health } from "../src/health.mjs";\n// FR-1\ntest("health", () => {\n  let body = "";\n  health({}, { writeHead: () => ({ end: (text) => (body = text) }) });\n  assert.equal(body, "ok");\n});\n',
};

/** The fix: both packages build, the routes are implemented (and traced), a decision note explains the rerun of P1-S00. */
export const FIXED_PROJECT: Record<string, string> = {
  'backend/package.json': JSON.stringify({ name: 'backend', private: true, scripts: { build: 'node -e "require(\'fs\').mkdirSync(\'dist\', { recursive: true })"' } }),
  'frontend/package.json': JSON.stringify({ name: 'frontend', private: true, scripts: { build: 'node -e "require(\'fs\').mkdirSync(\'dist\', { recursive: true })"' } }),
  // The untested helper goes: coverage reaches its minimum too.
  'src/health.mjs': '// FR-1\nexport function health(req, res) {\n  res.writeHead(200).end("ok");\n}\n',
  'src/orders.mjs': '// FR-2\nexport function orders(req, res) {\n  res.writeHead(200).end(JSON.stringify([{ id: 1 }]));\n}\n',
  'src/refunds.mjs': '// FR-3\nexport function refunds(req, res) {\n  res.writeHead(200).end("[]");\n}\n',
  'test/routes.test.mjs':
    'import { test } from "node:test";\nimport assert from "node:assert";\nimport { orders } from "../src/orders.mjs";\nimport { refunds } from "../src/refunds.mjs";\n// FR-2, FR-3\ntest("routes", () => {\n  let body = "";\n  const res = { writeHead: () => ({ end: (text) => (body = text) }) };\n  orders({}, res);\n  assert.match(body, /id/);\n  refunds({}, res);\n  assert.equal(body, "[]");\n});\n',
  'decisions/D-2026-11-21-001.md': decision({
    extra: 'stages: [P1-S00]\n',
    body: '## Context\nThe first run failed.\n\n## Decision\nImplement the routes and add the build scripts.\n\n## Consequences\nThe stage can pass.\n\n## Root cause\nBoth packages had no build script and two routes were stubs answering 501.\n',
  }),
};

/** What issue 15's implementation contract makes of STUB_PROJECT, by requirement: four blocking failures and two warnings. */
export const BLOCKED_OUTCOMES: Record<string, string> = {
  backend_builds: 'blocking fail',
  frontend_builds: 'blocking fail',
  no_stubs: 'blocking fail',
  functional_code: 'blocking fail',
  prd_features: 'warning fail',
  quality_slo: 'warning fail',
};
