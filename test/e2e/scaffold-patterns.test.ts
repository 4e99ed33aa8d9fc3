import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, PROJECT_ROOT, runCli } from '../helpers/repo.js';

const OWNER = ['--owner', 'ana@example.com'];

/** The example pattern of docs/patterns.md, so that the documentation cannot drift from the code. */
function documentedExample(): string {
  const docs = readFileSync(path.join(PROJECT_ROOT, 'docs/patterns.md'), 'utf8');
  return /```yaml\n([\s\S]*?)```/.exec(docs)![1]!;
}

describe('built-in patterns and new-stage', () => {
  it('scaffold an Expected Impact and Risk section in every stage, which the audit pack quotes', () => {
    const repo = makeRepo({});
    for (const [slug, pattern] of [['mvp', 'mvp-backend'], ['ui', 'ui-hardening'], ['sync', 'integrations'], ['study', 'research']] as const) {
      expect(runCli(repo, ['new-phase', slug, '--pattern', pattern, ...OWNER]).code).toBe(0);
    }
    expect(runCli(repo, ['new-phase', 'later', '--pattern', 'empty', '--id', 'P9', ...OWNER]).code).toBe(0);
    expect(runCli(repo, ['new-stage', 'One more', '--phase', 'P9', '--gate', 'npm test', '--estimate', '2', ...OWNER]).code).toBe(0);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'Scaffold every pattern');
    const json = JSON.parse(runCli(repo, ['audit-pack', '--format', 'json']).stdout) as { stages: Array<{ id: string; file: string; sections: { impact: string | null } }> };
    // 11 + 11 + 11 + 5 stages of the patterns, and the one of new-stage.
    expect(json.stages).toHaveLength(39);
    for (const stage of json.stages) {
      expect(readFileSync(path.join(repo, stage.file), 'utf8'), stage.file).toMatch(/^## Expected Impact and Risk\n\n\S/m);
      expect(stage.sections.impact, stage.id).toMatch(/\S/);
    }
    const markdown = runCli(repo, ['audit-pack']).stdout;
    expect(markdown).not.toContain('Not stated in the stage document (add an "Expected Impact and Risk" section)');
    expect(runCli(repo, ['validate', '--max-warnings', '0']).stdout).toContain('no problems');
  });
});

describe('patterns of the repository', () => {
  it('the documented example works as a pattern and validates', () => {
    const repo = makeRepo({ 'templates/patterns/service.yaml': documentedExample() });
    const result = runCli(repo, ['new-phase', 'payments', '--pattern', 'service', ...OWNER]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('templates/patterns/service.yaml');
    const stage = readFileSync(path.join(repo, 'stages/payments/00-skeleton.md'), 'utf8');
    expect(stage).toContain('freeze: required');
    expect(stage).toContain('metric: { file: "coverage/coverage-summary.json", path: "total.lines.pct", min: 70 }');
    expect(stage).toContain('- Compare the log with the runbook.');
    expect(stage).toContain('contracts: ["implementation"]');
    expect(readFileSync(path.join(repo, 'stages/payments/phase.md'), 'utf8')).toContain('contracts: ["testing"]');
    const validate = runCli(repo, ['validate', '--max-warnings', '0']);
    expect(validate.stdout).toContain('no problems');
  });

  it('override a built-in pattern by name, and are listed with the built-in ones', () => {
    const own = documentedExample().replace('title: New service', 'title: Our empty phase');
    const repo = makeRepo({ 'templates/patterns/empty.yaml': own, 'templates/patterns/team-flow.yaml': own });
    const result = runCli(repo, ['new-phase', 'mine', '--pattern', 'empty', ...OWNER]);
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(repo, 'stages/mine/phase.md'), 'utf8')).toContain('title: "Our empty phase"');
    const unknown = runCli(repo, ['new-phase', 'x', '--pattern', 'nope', ...OWNER]);
    expect(unknown.stderr).toContain('`empty`, `integrations`, `mvp-backend`, `research`, `team-flow`, `ui-hardening`');
  });

  it('renders every kind of gate as an acceptance criterion that validates', () => {
    const pattern = `description: Every gate type.
phase: { title: Gates, goal: Show every gate., exit: [Every gate passes.] }
stages:
  - slug: all-gates
    title: All gates
    estimate: 1
    objectives: [Cover each gate type.]
    deliverables: [docs/prd.md]
    produces: [docs/prd.md]
    gates:
      - { id: metric-only, metric: { file: m.json, path: a.b, max: 3 } }
      - { id: stubs, type: no-stubs, include: ["src/**"], max_rate: 0.05, severity: warning }
      - { id: produced, type: produces }
      - { id: trace, type: prd-trace, document: docs/prd.md, include: ["src/**", "test/**"], min_rate: 0.8 }
    rollback: Revert.
`;
    const repo = makeRepo({ 'templates/patterns/gates.yaml': pattern });
    expect(runCli(repo, ['new-phase', 'g', '--pattern', 'gates', ...OWNER]).code).toBe(0);
    const stage = readFileSync(path.join(repo, 'stages/g/00-all-gates.md'), 'utf8');
    expect(stage).toContain('- Gate `metric-only`: `a.b` in `m.json` is <= 3.');
    expect(stage).toContain('- Gate `stubs`: at most 0.05 of the files matching `src/**` hold stubs.');
    expect(stage).toContain('    severity: warning');
    expect(stage).toContain('- Gate `produced`: every file listed in `produces` must exist.');
    expect(stage).toContain('- Gate `trace`: at least 0.8 of the requirement ids in `docs/prd.md` are referenced from `src/**`, `test/**`.');
    const validate = runCli(repo, ['validate', '--max-warnings', '0']);
    expect(validate.stdout).toContain('no problems');
  });

  it('a malformed pattern is an error naming file, line and column, and nothing is written', () => {
    const broken = documentedExample().replace('    estimate: 3 ', '    estimate: 9 ');
    const repo = makeRepo({ 'templates/patterns/service.yaml': broken });
    const result = runCli(repo, ['new-phase', 'payments', '--pattern', 'service', ...OWNER]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/templates\/patterns\/service\.yaml:\d+:15: `stages\[0\]\.estimate` is `9`, expected <= 4/);

    const typo = documentedExample().replace('    rollback:', '    rolback:');
    const repo2 = makeRepo({ 'templates/patterns/service.yaml': typo });
    const second = runCli(repo2, ['new-phase', 'payments', '--pattern', 'service', ...OWNER]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('service.yaml:');
    expect(second.stderr).not.toContain('    at ');
  });

  it('a template override that needs a field the data lacks is an error, not an empty string', () => {
    const repo = makeRepo({ 'templates/stage.md.hbs': '---\nid: {{yaml id}}\nsprint: {{yaml sprint}}\n---\n' });
    runCli(repo, ['new-phase', 'p', '--pattern', 'empty', ...OWNER]);
    const result = runCli(repo, ['new-stage', 'X', '--phase', 'P1', '--gate', 'true', ...OWNER]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('templates/stage.md.hbs could not be rendered');
    expect(result.stderr).toContain('`yaml` at line 3, column 9 got a field that is missing');
  });
});
