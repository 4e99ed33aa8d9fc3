import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stage, validTree } from '../helpers/documents.js';
import { makeRepo, PROJECT_ROOT, tempDir } from '../helpers/repo.js';

// The library as a user gets it: the packed tarball installed into a fresh project and imported by
// its name. `npm test` builds first; packing skips the prepack build so this tests that build.
const TSC = path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc');
let project: string;

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false' } });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

beforeAll(() => {
  const packs = tempDir('stagedocs-pack-');
  run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packs], PROJECT_ROOT);
  const tarball = readdirSync(packs).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${packs}`);
  project = tempDir('stagedocs-consumer-');
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--prefer-offline', '--no-package-lock', path.join(packs, tarball)], project);
}, 240_000);

/** Runs an ES module in the consumer project and returns what it printed as JSON. */
function evaluate(source: string): unknown {
  const file = path.join(project, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, source);
  return JSON.parse(run('node', [file], project));
}

describe('the packed library, imported by name', () => {
  it('validates a repository and returns the diagnostics the CLI reports', () => {
    const repo = makeRepo({ ...validTree(), 'stages/p1/02-broken.md': stage({ id: 'P1-S02', order: 2, extra: 'depends-on: [P1-S01]\n' }) });
    const result = evaluate(`
      import { validate } from 'stagedocs';
      const report = await validate({ root: ${JSON.stringify(repo)}, env: process.env });
      console.log(JSON.stringify(report));
    `) as { errorCount: number; diagnostics: Array<{ file: string; line: number; column: number; ruleId: string; severity: string; message: string }> };
    expect(result.errorCount).toBeGreaterThan(0);
    const unknownKey = result.diagnostics.find((diagnostic) => diagnostic.ruleId === 'frontmatter-schema');
    expect(unknownKey).toMatchObject({ file: 'stages/p1/02-broken.md', severity: 'error' });
    expect(unknownKey!.message).toContain('depends-on');
    expect(unknownKey!.line).toBeGreaterThan(1);

    const cli = spawnSync('node', [path.join(project, 'node_modules/stagedocs/dist/cli/bin.js'), 'validate', '--format', 'json', '--cwd', repo], { cwd: project, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(result.diagnostics).toEqual((JSON.parse(cli.stdout) as { diagnostics: unknown[] }).diagnostics);
  });

  it('assesses a stage with the verdict status reports, and throws typed errors', () => {
    const repo = makeRepo(validTree());
    const result = evaluate(`
      import { assess, assessStage, StagedocsError, EXIT_USAGE } from 'stagedocs';
      const root = ${JSON.stringify(repo)};
      const status = await assess({ root, env: process.env });
      const first = status.phases[0].stages[0];
      const verdict = await assessStage({ root, env: process.env, stage: first.id });
      let error;
      try { await assessStage({ root, env: process.env, stage: 'NOPE-1' }); } catch (caught) { error = { typed: caught instanceof StagedocsError, usage: caught.exitCode === EXIT_USAGE, message: caught.message }; }
      console.log(JSON.stringify({ first, verdict: { id: verdict.id, state: verdict.state, nextAction: verdict.nextAction }, error }));
    `) as { first: { id: string; state: string; next_action: string }; verdict: { id: string; state: string; nextAction: string }; error: { typed: boolean; usage: boolean; message: string } };
    expect(result.verdict).toEqual({ id: result.first.id, state: result.first.state, nextAction: result.first.next_action });
    expect(result.error).toEqual({ typed: true, usage: true, message: 'No stage has the id `NOPE-1`' });
  });

  it('runs the example of docs/api.md as it is written', () => {
    const example = /```js\n([\s\S]*?)```/.exec(readFileSync(path.join(PROJECT_ROOT, 'docs/api.md'), 'utf8'))?.[1];
    expect(example).toContain("from 'stagedocs'");
    writeFileSync(path.join(project, 'check.mjs'), example!);
    const repo = makeRepo({ ...validTree(), 'stages/mvp/02-api.md': stage({ id: 'P1-S03', order: 2 }) });
    const result = spawnSync('node', [path.join(project, 'check.mjs')], { cwd: repo, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('P1: 0/3 done');
    expect(result.stdout).toMatch(/^(not-started|blocked|in-progress) /m);
  });

  it('ships type declarations that a strict TypeScript project (with @types/node) compiles against', () => {
    writeFileSync(
      path.join(project, 'typed.ts'),
      `import { validate, assessStage, type Diagnostic, type StageVerdict, type Config } from 'stagedocs';
export async function check(root: string): Promise<Diagnostic[]> {
  const report = await validate({ root, env: {} });
  const verdict: StageVerdict = await assessStage({ root, env: {}, stage: 'P1-S00' });
  const state: 'done' | string = verdict.state;
  void state;
  return report.diagnostics;
}
export type Paths = Config['paths'];
`,
    );
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, types: ['node'], typeRoots: [path.join(PROJECT_ROOT, 'node_modules/@types')] }, files: ['typed.ts'] }));
    expect(() => run('node', [TSC, '-p', 'tsconfig.json'], project)).not.toThrow();
    writeFileSync(path.join(project, 'typed.ts'), `import { validate } from 'stagedocs';\nexport const wrong: number = validate;\n`);
    expect(() => run('node', [TSC, '-p', 'tsconfig.json'], project)).toThrow();
  });
});
