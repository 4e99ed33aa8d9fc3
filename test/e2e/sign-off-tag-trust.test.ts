import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GIT_ENV, git, runCli } from '../helpers/repo.js';
import { commitAll, flagStage, gateRun, stageFile, verdictRepo } from '../helpers/verdict.js';

/**
 * What a tag under the sign-off name is worth: only the annotated tag `stagedocs sign-off` makes, whose
 * message signs off this id, and (where approvals are declared) whose quorum was met. Anyone can push a
 * lightweight tag or an annotated one written by hand; the verdict must not take either for a sign-off,
 * and every command must say the same.
 */

const TAG = 'stagedocs/P1-S00/signed-off';

function stageRow(repo: string, id = 'P1-S00') {
  const status = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout);
  return status.phases[0].stages.find((row: { id: string }) => row.id === id) as { state: string; passed: boolean; sign_off_allowed: boolean; sign_off_needs: Array<{ reason: string }>; next_action: string };
}

function handTag(repo: string, message: string | undefined): void {
  const args = message === undefined ? ['tag', TAG] : ['tag', '-a', '--cleanup=verbatim', '-F', '-', TAG];
  const result = spawnSync('git', args, { cwd: repo, env: GIT_ENV, input: message ?? '', encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
}

/** A repository whose P1-S00 has a failing run only, and P1-S01 depends on it. */
function repoWithoutPass(extra = ''): string {
  const repo = verdictRepo({ [stageFile('P1-S00')]: flagStage('P1-S00', 0, { extra }), [stageFile('P1-S01')]: flagStage('P1-S01', 1, { extra: 'depends_on: [P1-S00]\n' }) });
  expect(gateRun(repo, 'P1-S00', false).code).toBe(1);
  commitAll(repo, 'failing run');
  return repo;
}

describe('a tag under the sign-off name', () => {
  for (const [name, message] of [
    ['a lightweight tag', undefined],
    ['an annotated tag whose message signs off nothing', 'looks fine to me\n'],
    ['an annotated tag whose message signs off another stage', 'stagedocs sign-off of stage P1-S09\n\nstage: P1-S09\n'],
  ] as const) {
    it(`is not a sign-off when it is ${name}: status, the pack, context and sign-off agree`, () => {
      const repo = repoWithoutPass();
      handTag(repo, message);
      const row = stageRow(repo);
      expect(row.state).not.toBe('done');
      expect(row.passed).toBe(false);
      expect(row.sign_off_allowed).toBe(false);
      expect(row.sign_off_needs.map((need) => need.reason)[0]).toMatch(new RegExp(`^sign-off tag ${TAG} does not count: `));
      // The dependent stage is not cleared by it.
      expect(stageRow(repo, 'P1-S01').next_action).toContain('P1-S00 has no passing run');
      const context = JSON.parse(runCli(repo, ['context', 'P1-S01', '--format', 'json']).stdout);
      expect(context.depends_on ?? context.upstream ?? context.dependencies).toBeDefined();
      expect(JSON.stringify(context)).not.toMatch(/"passed":\s*true/);
      const pack = JSON.parse(runCli(repo, ['audit-pack', 'P1-S00', '--format', 'json']).stdout).stages[0];
      expect(pack.state).toBe(row.state);
      // sign-off refuses, for the same reason status gives (the tag's name is taken: a sign-off is never repeated).
      const signOff = runCli(repo, ['sign-off', 'P1-S00']);
      expect(signOff.code).toBe(1);
      expect(signOff.stdout + signOff.stderr).toContain(`sign-off tag ${TAG} does not count: `);
    });
  }

  it('made by hand in the sign-off format does not count where the approvals quorum is not met', () => {
    const repo = verdictRepo({ [stageFile('P1-S00')]: flagStage('P1-S00', 0, { extra: 'approvals: { min: 1 }\n' }) });
    expect(gateRun(repo, 'P1-S00', true).code).toBe(0);
    commitAll(repo, 'passing run');
    const runCommit = git(repo, 'rev-parse', 'HEAD').trim();
    handTag(repo, `stagedocs sign-off of stage P1-S00\n\nstage: P1-S00\nphase: P1\nrun_commit: ${runCommit}\n`);
    const row = stageRow(repo);
    expect(row.state).not.toBe('done');
    expect(row.sign_off_needs[0]!.reason).toBe(`sign-off tag ${TAG} does not count: its approvals are not met for the run it names (approvals: 0 of 1 (missing: 1 more approver))`);
    // With the approval recorded, the same tag counts.
    expect(runCli(repo, ['approve', 'P1-S00']).code).toBe(0);
    expect(stageRow(repo).state).toBe('done');
    // Signed off, its approvals are those of the run the sign-off rests on, even once that run stops
    // counting (here its gate is changed afterwards): every command says the quorum was met.
    const file = path.join(repo, stageFile('P1-S00'));
    writeFileSync(file, readFileSync(file, 'utf8').replace('run: test -f flags/P1-S00', 'run: test -f flags/P1-S00 && true'));
    commitAll(repo, 'change the gate after the sign-off');
    const status = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout).phases[0].stages[0];
    expect(status.state).toBe('done');
    expect(status.approvals).toMatchObject({ met: true, approvers: ['author@example.com'] });
    expect(JSON.parse(runCli(repo, ['context', 'P1-S00', '--format', 'json']).stdout).verdict.approvals).toBe(status.approvals.summary);
  });
});

describe('a stage held to a contract that is unknown or fails its schema', () => {
  it('has no counting run, even one made before the contract was named', () => {
    const repo = verdictRepo({ [stageFile('P1-S00')]: flagStage('P1-S00', 0) });
    expect(gateRun(repo, 'P1-S00', true).code).toBe(0);
    commitAll(repo, 'passing run');
    expect(stageRow(repo).passed).toBe(true);
    // The phase now holds its stages to `security`, whose file has a key the schema does not allow.
    const phaseFile = path.join(repo, 'stages/mvp/phase.md');
    const phaseText = spawnSync('cat', [phaseFile], { encoding: 'utf8' }).stdout;
    writeFileSync(phaseFile, phaseText.replace('status: in-progress', 'status: in-progress\ncontracts: [security]'));
    spawnSync('mkdir', ['-p', path.join(repo, 'contracts')]);
    writeFileSync(path.join(repo, 'contracts/security.yaml'), 'contract_id: security\ntitle: Security\nrequirements:\n  - id: audit\n    run: npm audit\n    bogus_key: 1\n');
    commitAll(repo, 'hold the phase to a broken contract');
    expect(stageRow(repo).passed).toBe(false);
    // Fixed, the contract's requirement is what the stage is judged by: the old run did not run it.
    writeFileSync(path.join(repo, 'contracts/security.yaml'), 'contract_id: security\ntitle: Security\nrequirements:\n  - id: audit\n    run: "true"\n');
    commitAll(repo, 'fix the contract');
    expect(stageRow(repo).passed).toBe(false);
  });
});
