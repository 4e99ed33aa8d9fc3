import { describe, expect, it } from 'vitest';
import { decision, phase, stage } from '../helpers/documents.js';
import { writeFileSync } from 'node:fs';
import { git, makeRepo, runCli } from '../helpers/repo.js';

/** The repository after P1-S00 passed its gate (a real run) and was marked done. */
function passedRepo(): string {
  const dir = makeRepo(tree());
  const run = runCli(dir, ['gate', 'run', 'P1-S00']);
  if (run.code !== 0) throw new Error(`gate run failed: ${run.stderr}`);
  writeFileSync(`${dir}/stages/mvp/00-foundation.md`, stage({ id: 'P1-S00', order: 0, status: 'done' }));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'P1-S00 done');
  return dir;
}


/** A phase with agents' paths, a done stage and an open one that protects schema/** and has open questions. */
function tree(): Record<string, string> {
  return {
    'stages/mvp/phase.md': phase({ extra: 'agents:\n  may_modify: ["src/**", "schema/**", "stages/**", "decisions/**"]\n  must_not_modify: ["src/vendor/**"]\n' }),
    'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress' }),
    'stages/mvp/01-skeleton.md': stage({
      id: 'P1-S01',
      order: 1,
      status: 'in-progress',
      extra: 'protected: ["schema/**"]\n',
      gates: 'gates:\n  - id: tests\n    run: "exit 1"\n    timeout: 30',
      body: `## Objectives\n- Serve <b>the</b> API @alice.\n\n## Deliverables\n- x\n\n## Acceptance Criteria\n- \`npm test\` exits 0.\n\n## Audit & Review Steps\n- r\n\n## Rollback Plan\nr\n\n## Versioning & Traceability\nt\n\n## Open Questions\n- Which port?\n`,
    }),
    'decisions/D-2026-11-21-001.md': decision({ extra: 'stages: [P1-S01]\n', body: '## Context\nc\n\n## Decision\nd\n\n## Consequences\nc\n\n## Root cause\nThe port was taken.\n' }),
  };
}

describe('stagedocs context', () => {
  it('picks the first stage not done whose dependencies passed', () => {
    const dir = makeRepo(tree());
    expect(JSON.parse(runCli(dir, ['context', '--format', 'json']).stdout).stage.id).toBe('P1-S00');
  });

  it('hands over the next stage with its contract, escaped, the same bytes twice', () => {
    const dir = passedRepo();
    const first = runCli(dir, ['context']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const text = first.stdout;
    expect(text).toContain('# P1-S01 Stage P1-S01');
    expect(text).toContain('The next stage to work on');
    expect(text).toContain('`stagedocs gate run P1-S01`');
    expect(text).toContain('- `schema/**`');
    expect(text).toContain('Agents may change only:');
    expect(text).toContain('- `src/vendor/**`');
    expect(text).toContain('Root cause: The port was taken.');
    expect(text).toContain('> - Which port?');
    // Content from the documents stays inert: no HTML, no mention.
    expect(text).not.toContain('<b>');
    expect(text).toContain('@&#8203;alice');
    expect(runCli(dir, ['context']).stdout).toBe(text);
  });

  it('prints JSON with the gates, paths, upstream verdicts and next action', () => {
    const dir = passedRepo();
    const result = runCli(dir, ['context', 'P1-S01', '--format', 'json']);
    expect(result.code).toBe(0);
    const context = JSON.parse(result.stdout);
    expect(context.selection).toBe('given');
    expect(context.gates).toEqual([{ id: 'tests', type: 'run', severity: 'blocking', command: 'exit 1', timeout: 30 }]);
    expect(context.paths.protected).toEqual(['schema/**']);
    expect(context.paths.mustNotModify).toEqual(['src/vendor/**']);
    expect(context.upstream).toEqual([expect.objectContaining({ id: 'P1-S00', passed: true })]);
    expect(context.stage.acceptanceCriteria).toEqual(['`npm test` exits 0.']);
    expect(context.openQuestions).toBe('- Which port?');
    expect(context.decisions[0]).toMatchObject({ tag: 'D-2026-11-21-001', rootCause: 'The port was taken.' });
    expect(context.verdict.nextAction).toContain('stagedocs gate run P1-S01');
  });

  it('stays within --max-chars and says what it cut', () => {
    const dir = makeRepo(tree());
    const full = runCli(dir, ['context', 'P1-S01']).stdout;
    const bound = Math.floor(full.length * 0.7);
    const cut = runCli(dir, ['context', 'P1-S01', '--max-chars', String(bound)]);
    expect(cut.code).toBe(0);
    expect(cut.stdout.length).toBeLessThanOrEqual(bound);
    expect(cut.stdout).toMatch(/## Left out to stay within the size bound|\[cut at \d+ characters; read /);
    const tiny = runCli(dir, ['context', 'P1-S01', '--max-chars', '300']).stdout;
    expect(tiny.length).toBeLessThanOrEqual(300);
    expect(tiny).toContain('[cut at 300 characters; read stages/mvp/01-skeleton.md]');
  });

  it('refuses an unknown stage with exit 2', () => {
    const dir = makeRepo(tree());
    const result = runCli(dir, ['context', 'P9-S09']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No stage has the id `P9-S09`');
  });
});

const hook = (dir: string, file: string, tool = 'Edit') => JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: tool, tool_input: { file_path: file, old_string: 'a', new_string: 'b' }, cwd: dir });

describe('stagedocs guard', () => {
  it('allows an edit the contracts allow, with a real PreToolUse payload', () => {
    const dir = makeRepo(tree());
    const result = runCli(dir, ['guard'], { input: hook(dir, `${dir}/src/api.ts`) });
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('blocks an edit to a protected path of an open stage (exit 2, the reason on stderr)', () => {
    const dir = makeRepo(tree());
    const result = runCli(dir, ['guard'], { input: hook(dir, `${dir}/schema/users.sql`, 'Write') });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('`schema/users.sql` is protected by stage P1-S01 (stages/mvp/01-skeleton.md, status in-progress), pattern `schema/**`');
    expect(result.stderr).toContain('Instead:');
  });

  it('refuses must_not_modify, outside may_modify and the evidence; --format json gives the permission decision', () => {
    const dir = makeRepo(tree());
    const vendor = runCli(dir, ['guard', '--format', 'json'], { input: hook(dir, 'src/vendor/lib.js', 'MultiEdit') });
    expect(vendor.code).toBe(0);
    const output = JSON.parse(vendor.stdout);
    expect(output.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'deny' });
    expect(output.hookSpecificOutput.permissionDecisionReason).toContain('agents.must_not_modify');
    expect(output.hookSpecificOutput.permissionDecisionReason).toContain('phase P1');
    const outside = runCli(dir, ['guard', '--path', 'README.md']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('outside `agents.may_modify` of phase P1');
    const evidence = runCli(dir, ['guard', '--path', 'gate_results/gate_registry.csv']);
    expect(evidence.code).toBe(1);
    expect(evidence.stderr).toContain('is gate evidence');
    expect(runCli(dir, ['guard', '--format', 'json'], { input: hook(dir, `${dir}/src/a.ts`) }).stdout).toBe('{}\n');
  });

  it('does not judge other tools or paths outside the repository, but does judge `..` back into it', () => {
    const dir = makeRepo(tree());
    expect(runCli(dir, ['guard'], { input: JSON.stringify({ tool_name: 'Bash', tool_input: { command: 'ls' }, cwd: dir }) }).code).toBe(0);
    expect(runCli(dir, ['guard'], { input: hook(dir, '/tmp/elsewhere/schema/x.sql') }).code).toBe(0);
    expect(runCli(dir, ['guard'], { input: hook(dir, `${dir}/src/../schema/x.sql`) }).code).toBe(2);
  });

  it('a closed stage no longer protects its paths, also through the index', () => {
    const dir = makeRepo(tree());
    expect(runCli(dir, ['guard', '--path', 'schema/x.sql']).code).toBe(1);
    const files = tree();
    const done = files['stages/mvp/01-skeleton.md']!.replace('status: in-progress', 'status: done');
    writeFileSync(`${dir}/stages/mvp/01-skeleton.md`, done);
    expect(runCli(dir, ['guard', '--path', 'schema/x.sql']).code).toBe(0);
  });

  it('says what is wrong with malformed input', () => {
    const dir = makeRepo(tree());
    const notJson = runCli(dir, ['guard'], { input: '{not json' });
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('stagedocs guard: the hook input on stdin is not JSON');
    const noPath = runCli(dir, ['guard'], { input: JSON.stringify({ tool_name: 'Edit', tool_input: {} }) });
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toContain('has no `tool_input.file_path` string');
    expect(runCli(dir, ['guard'], { input: '' }).stderr).toContain('is empty');
    const emptyPath = runCli(dir, ['guard', '--path', '']);
    expect(emptyPath.code).toBe(2);
  });
});
