import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, runCli, tempDir } from '../helpers/repo.js';
import { phase, stage, validTree } from '../helpers/documents.js';

/** Workflow command lines as the runner reads them: `::<command> <properties>::<data>` at a line start. */
function commands(stdout: string): { command: string; properties: string; data: string }[] {
  return stdout
    .split('\n')
    .map((line) => /^::([a-z]+)(?: ([^:]*))?::(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ command: match[1]!, properties: match[2] ?? '', data: match[3]! }));
}

/** 17 stages pointing at a phase that does not exist (17 errors) and 12 too large ones (12 warnings). */
function manyProblems(): Record<string, string> {
  const tree: Record<string, string> = { 'stages/mvp/phase.md': phase() };
  for (let i = 0; i < 29; i += 1) {
    const order = String(i).padStart(2, '0');
    tree[`stages/mvp/${order}-s.md`] = i < 17 ? stage({ id: `P1-S${order}`, order: i, phase: 'P9' }) : stage({ id: `P1-S${order}`, order: i }).replace('estimate: 2', 'estimate: 9');
  }
  return tree;
}

/** GitHub displays this many annotations of each severity per step. */
const GITHUB_ANNOTATION_LIMIT = 10;

describe('validate --format github', () => {
  it('never emits more annotations of a severity than GitHub shows; the last one says how many more and where', () => {
    const repo = makeRepo(manyProblems());
    const summary = path.join(tempDir(), 'summary.md');
    const result = runCli(repo, ['validate', '--format', 'github', '--no-cache'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(result.code).toBe(1);
    const json = JSON.parse(runCli(repo, ['validate', '--format', 'json', '--no-cache']).stdout);
    expect(json.errorCount).toBe(17);
    expect(json.warningCount).toBe(12);

    const all = commands(result.stdout);
    const errors = all.filter((c) => c.command === 'error');
    const warnings = all.filter((c) => c.command === 'warning');
    expect(errors).toHaveLength(GITHUB_ANNOTATION_LIMIT);
    expect(warnings).toHaveLength(GITHUB_ANNOTATION_LIMIT);
    expect(errors.at(-1)!.data).toContain('8 more stagedocs errors are not shown as annotations');
    expect(errors.at(-1)!.data).toContain('job summary');
    expect(warnings.at(-1)!.data).toContain('3 more stagedocs warnings are not shown as annotations');

    // The full list: every diagnostic in the job summary and in the log.
    const table = readFileSync(summary, 'utf8');
    expect(table).toContain('17 errors, 12 warnings');
    expect(table.split('\n').filter((line) => line.startsWith('| stages/'))).toHaveLength(29);
    for (const d of json.diagnostics) expect(result.stdout).toMatch(new RegExp(`^${d.severity} *  ${d.file}:${d.line}:${d.column}  `, 'm'));
    // Without a job summary, the summary annotation names only the log.
    const local = runCli(repo, ['validate', '--format', 'github', '--no-cache'], { env: { GITHUB_STEP_SUMMARY: '' } });
    expect(commands(local.stdout).filter((c) => c.command === 'error').at(-1)!.data).toContain("All 17 are listed in this step's log.");
  });

  it('emits everything, and no summary annotation, when GitHub shows it all', () => {
    const tree = validTree();
    tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1, status: 'done' });
    const result = runCli(makeRepo(tree), ['validate', '--format', 'github']);
    const all = commands(result.stdout);
    const json = JSON.parse(runCli(makeRepo(tree), ['validate', '--format', 'json']).stdout);
    expect(all).toHaveLength(json.diagnostics.length);
    expect(all.some((c) => c.data.includes('not shown as annotations'))).toBe(false);
    expect(all.map((c) => c.properties)).toContain('file=stages/mvp/01-skeleton.md,line=7,col=9,title=stagedocs linear-progression');
  });

  it('turns a configuration error (exit 2) into an ::error annotation at the config file', () => {
    const tree = validTree();
    tree['stagedocs.config.yaml'] = 'paths:\n  stages: stages/\nunknown_key: 1\n';
    const result = runCli(makeRepo(tree), ['validate', '--format', 'github']);
    expect(result.code).toBe(2);
    const [error, ...rest] = commands(result.stdout);
    expect(rest).toEqual([]);
    expect(error!.command).toBe('error');
    expect(error!.properties).toMatch(/^file=stagedocs\.config\.yaml,line=3,col=1,title=stagedocs%3A configuration error$/);
    expect(error!.data.length).toBeGreaterThan(10);
    // The plain message stays on stderr for people reading the log.
    expect(result.stderr).toContain('stagedocs.config.yaml:3:1');
  });

  it('turns usage errors (exit 2) into ::error annotations', () => {
    const repo = makeRepo(validTree());
    const flag = runCli(repo, ['validate', '--format', 'github', '--no-such-flag']);
    expect(flag.code).toBe(2);
    expect(commands(flag.stdout)).toEqual([{ command: 'error', properties: 'title=stagedocs%3A usage error', data: expect.stringContaining("unknown option '--no-such-flag'") }]);
    const empty = runCli(makeRepo({ 'README.md': '# nothing here\n' }), ['validate', '--format=github']);
    expect(empty.code).toBe(2);
    expect(commands(empty.stdout)[0]).toMatchObject({ command: 'error', data: expect.stringContaining('No stagedocs documents found') });
    // Without --format github, stdout stays free of workflow commands.
    expect(runCli(repo, ['validate', '--no-such-flag']).stdout).toBe('');
  });

  it('keeps annotation properties inert: a file name with `,`, `:` and `%`', () => {
    const tree = validTree();
    tree['stages/mvp/02 a,b:c%.md'] = stage({ id: 'P1-S02', order: 2, phase: 'P9' });
    const result = runCli(makeRepo(tree), ['validate', '--format', 'github']);
    expect(commands(result.stdout).map((c) => c.properties)).toContainEqual(expect.stringMatching(/^file=stages\/mvp\/02 a%2Cb%3Ac%25\.md,line=\d+,col=\d+,title=stagedocs /));
  });
});
