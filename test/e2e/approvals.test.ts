import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { phase } from '../helpers/documents.js';
import { GIT_ENV, git, makeRepo, runCli } from '../helpers/repo.js';
import { commitAll, flagStage, gateRun, stageFile, verdictRepo } from '../helpers/verdict.js';

/**
 * Approvals end to end: a real repository, the built CLI, and three people told apart by their git
 * committer identity (the tagger of an approval tag is who approved). One repository is walked through
 * the life of a stage whose sign-off needs two of alice and Bob: every command must agree at each step.
 */

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const MALLORY = 'mallory@example.com';
const as = (email: string): NodeJS.ProcessEnv => ({ GIT_COMMITTER_EMAIL: email, GIT_COMMITTER_NAME: email.split('@')[0] });

const STAGE = flagStage('P1-S00', 0, { extra: 'approvals:\n  min: 2\n  from: [alice@example.com, Bob@Example.com]\n' });
const PHASE = phase({ status: 'done', extra: 'exit:\n  - Every stage signed off.\napprovals: { min: 1 }\n' });

/** An annotated tag made by hand (not by `stagedocs approve`), as `email`, with the message given. */
function handTag(repo: string, name: string, commit: string, message: string, email: string): void {
  const result = spawnSync('git', ['tag', '-a', '--cleanup=verbatim', '-F', '-', name, commit], { cwd: repo, env: { ...GIT_ENV, ...as(email) }, input: message, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
}

/** The message `stagedocs approve` writes (model/approvals.ts), written out here so that a format change shows. */
const approvalText = (id: string, commit: string) => `stagedocs approval of stage ${id}\n\nstage: ${id}\ncommit: ${commit}\n`;

const head = (repo: string) => git(repo, 'rev-parse', 'HEAD').trim();

interface ApprovalsJson {
  min: number;
  met: boolean;
  summary: string;
  approvers: string[];
  missing: string[];
  approvals: Array<{ tag: string; approver: string; commit: string; comment: string | null; counts: boolean; not_counted_because?: string[] }>;
}

/** What status, the audit pack and trace each say of the stage's approvals, and what status says a sign-off still needs. */
function approvalsSaid(repo: string): { status: ApprovalsJson; pack: ApprovalsJson; trace: ApprovalsJson; statusNeeds: string[] } {
  const status = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout);
  const row = status.phases[0].stages.find((candidate: { id: string }) => candidate.id === 'P1-S00');
  const pack = JSON.parse(runCli(repo, ['audit-pack', 'P1-S00', '--format', 'json']).stdout).stages[0];
  const trace = JSON.parse(runCli(repo, ['trace', 'P1-S00', '--format', 'json']).stdout);
  return { status: row.approvals, pack: pack.approvals, trace: trace.approvals, statusNeeds: row.sign_off_needs.map((need: { reason: string }) => need.reason) };
}

/** status, the audit pack, trace and context say the same of the approvals; returns what they say. */
function agreed(repo: string): ApprovalsJson {
  const said = approvalsSaid(repo);
  expect(said.pack).toEqual(said.status);
  expect(said.trace).toEqual(said.status);
  // The agents' handoff (and the MCP server's context tool, which prints the same) says it in a line.
  expect(JSON.parse(runCli(repo, ['context', 'P1-S00', '--format', 'json']).stdout).verdict.approvals).toBe(said.status.summary);
  return said.status;
}

describe('stagedocs approve and the approvals quorum', () => {
  let repo: string;
  let beforeRun: string;
  let runCommit: string;

  beforeAll(() => {
    repo = verdictRepo({ [stageFile('P1-S00')]: STAGE }, { 'stages/mvp/phase.md': PHASE, 'README.md': 'notes\n' });
    beforeRun = head(repo);
    appendFileSync(path.join(repo, 'README.md'), 'more\n');
    commitAll(repo, 'work');
    runCommit = head(repo);
    expect(gateRun(repo, 'P1-S00', true).code).toBe(0);
    commitAll(repo, 'evidence');
    git(repo, 'config', 'user.email', ALICE);
    // The stage is done once it passed; its sign-off then waits only on the approvals.
    const file = path.join(repo, stageFile('P1-S00'));
    appendFileSync(file, '');
    spawnSync('perl', ['-pi', '-e', 's/^status: in-progress$/status: done/', file]);
    commitAll(repo, 'done');
  }, 60_000);

  it('refuses to approve before anything: the id must exist (exit 2)', () => {
    const unknown = runCli(repo, ['approve', 'P9-S99'], { env: as(ALICE) });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No stage or phase with id `P9-S99`');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });

  it('sign-off is refused while no approval counts, and lists who is missing', () => {
    const said = agreed(repo);
    expect(said).toMatchObject({ min: 2, met: false, approvers: [], missing: [ALICE, 'Bob@Example.com'], summary: 'approvals: 0 of 2 (missing: alice@example.com, Bob@Example.com)' });
    const signOff = runCli(repo, ['sign-off', 'P1-S00', '--format', 'json']);
    expect(signOff.code).toBe(1);
    const [outcome] = JSON.parse(signOff.stdout).outcomes;
    expect(outcome.signed).toBe(false);
    expect(outcome.reasons).toEqual([expect.stringContaining('approvals: 0 of 2 (missing: alice@example.com, Bob@Example.com); alice@example.com, Bob@Example.com must approve stage P1-S00')]);
    expect(git(repo, 'tag', '-l', 'stagedocs/P1-S00/*')).toBe('');
  });

  it('refuses an approver who is not in `from`, and does not count a tag they made by hand', () => {
    const refused = runCli(repo, ['approve', 'P1-S00'], { env: as(MALLORY) });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`${MALLORY} may not approve stage P1-S00`);
    expect(refused.stdout).toContain(`${MALLORY} is not in approvals.from (alice@example.com, Bob@Example.com)`);
    expect(git(repo, 'tag', '-l', 'stagedocs/approvals/*')).toBe('');

    handTag(repo, `stagedocs/approvals/P1-S00/${head(repo)}/mallory`, head(repo), approvalText('P1-S00', head(repo)), MALLORY);
    const said = agreed(repo);
    expect(said.approvers).toEqual([]);
    expect(said.approvals).toEqual([expect.objectContaining({ approver: MALLORY, counts: false, not_counted_because: [`its tagger ${MALLORY} is not in approvals.from`] })]);
  });

  it('does not count a lightweight tag, an approval of a commit older than the passing run, or a message naming another stage', () => {
    git(repo, 'tag', `stagedocs/approvals/P1-S00/${head(repo)}/light`, head(repo));
    handTag(repo, `stagedocs/approvals/P1-S00/${beforeRun}/old`, beforeRun, approvalText('P1-S00', beforeRun), ALICE);
    handTag(repo, `stagedocs/approvals/P1-S00/${head(repo)}/forged`, head(repo), approvalText('P1-S01', head(repo)), ALICE);
    const said = agreed(repo);
    expect(said.approvers).toEqual([]);
    const reasons = Object.fromEntries(said.approvals.map((approval) => [approval.tag.split('/').at(-1), approval.not_counted_because]));
    expect(reasons.light).toEqual(['it is a lightweight tag: it has no tagger, so nobody is known to have approved']);
    expect(reasons.old).toEqual([`it approves commit ${beforeRun.slice(0, 12)}, older than the passing run's commit ${runCommit.slice(0, 12)}`]);
    expect(reasons.forged).toEqual(['its message approves stage P1-S01, not stage P1-S00']);
  });

  it('records an approval as an annotated tag by the approver, refuses a repeat, and sign-off still lists the one missing', () => {
    const hostile = 'LGTM [click](http://evil.example) @team `x`\n\u001b[31m<b>bold</b>';
    const approved = runCli(repo, ['approve', 'P1-S00', '--comment', hostile, '--format', 'json'], { env: as(ALICE) });
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    const outcome = JSON.parse(approved.stdout);
    expect(outcome).toMatchObject({ kind: 'stage', id: 'P1-S00', approved: true, approver: ALICE, commit: head(repo) });
    expect(outcome.approvals.summary).toBe('approvals: 1 of 2 (missing: Bob@Example.com)');
    expect(git(repo, 'cat-file', '-t', outcome.tag).trim()).toBe('tag');
    expect(git(repo, 'tag', '-l', '--format=%(taggeremail)', outcome.tag).trim()).toBe(`<${ALICE}>`);
    expect(git(repo, 'rev-parse', `${outcome.tag}^{commit}`).trim()).toBe(head(repo));
    // The comment is one line, without control characters; the audit pack shows it as inert text.
    expect(git(repo, 'tag', '-l', '--format=%(contents)', outcome.tag)).toBe(`stagedocs approval of stage P1-S00\n\nstage: P1-S00\ncommit: ${head(repo)}\ncomment: LGTM [click](http://evil.example) @team \`x\` [31m<b>bold</b>\n\n`);
    const markdown = runCli(repo, ['audit-pack', 'P1-S00']).stdout;
    const line = markdown.split('\n').find((text) => text.includes('comment: LGTM'))!;
    expect(line).toBeDefined();
    expect(line).not.toContain('[click](http');
    expect(line).not.toContain('<b>');
    expect(line).not.toMatch(/(^|[^\\`])@team/);
    expect(markdown).toContain('- Approvals: 1 of 2; missing: `Bob@Example.com`');

    const again = runCli(repo, ['approve', 'P1-S00'], { env: as(ALICE) });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`${ALICE} already approved this commit (tag ${outcome.tag} exists)`);

    const said = agreed(repo);
    expect(said).toMatchObject({ approvers: [ALICE], missing: ['Bob@Example.com'], met: false });
    const signOff = runCli(repo, ['sign-off', 'P1-S00']);
    expect(signOff.code).toBe(1);
    expect(signOff.stdout).toContain('approvals: 1 of 2 (missing: Bob@Example.com); Bob@Example.com must approve stage P1-S00');
    const trace = runCli(repo, ['trace', 'P1-S00']).stdout;
    expect(trace).toContain('Approvals: 1 of 2 (missing: Bob@Example.com)');
    expect(trace).toContain(`${ALICE}  `);
    expect(trace).toContain('counts');
  });

  it('counts the same person once, whatever the case of their email and however often they approve', () => {
    commitAll(repo, 'a later commit');
    expect(runCli(repo, ['approve', 'P1-S00'], { env: as('ALICE@example.com') }).code).toBe(0);
    const said = agreed(repo);
    expect(said.approvers).toEqual([ALICE]);
    expect(said.approvals.filter((approval) => approval.counts)).toHaveLength(1);
    expect(said.approvals.find((approval) => approval.approver === 'ALICE@example.com')?.not_counted_because).toEqual([expect.stringMatching(/^ALICE@example.com already approved \(tag stagedocs\/approvals\/P1-S00\/.*\): each approver counts once$/)]);
  });

  it('refuses an approval on a dirty working tree', () => {
    appendFileSync(path.join(repo, 'README.md'), 'uncommitted\n');
    const dirty = runCli(repo, ['approve', 'P1-S00'], { env: as(BOB) });
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toContain('the working tree is not clean (README.md)');
    git(repo, 'checkout', '--', 'README.md');
  });

  it('allows sign-off once the quorum is met, and the phase sign-off waits on its own approvals', () => {
    expect(runCli(repo, ['approve', 'P1-S00'], { env: as(BOB) }).code).toBe(0);
    const said = agreed(repo);
    expect(said).toMatchObject({ met: true, approvers: [ALICE, BOB], missing: [], summary: 'approvals: 2 of 2 (alice@example.com, bob@example.com)' });
    expect(approvalsSaid(repo).statusNeeds).toEqual([]);

    const signOff = runCli(repo, ['sign-off', 'P1-S00', '--phase', '--format', 'json']);
    const outcomes = JSON.parse(signOff.stdout).outcomes;
    expect(outcomes[0]).toMatchObject({ kind: 'stage', signed: true });
    // The sign-off tag names the approvals its quorum rests on.
    const signOffMessage = git(repo, 'tag', '-l', '--format=%(contents)', outcomes[0].tag);
    for (const approval of said.approvals.filter((candidate) => candidate.counts)) expect(signOffMessage).toContain(`\napproval: ${approval.tag} ${approval.approver}\n`);
    expect(signOffMessage.match(/^approval: /gm)).toHaveLength(2);
    expect(outcomes[1]).toMatchObject({ kind: 'phase', id: 'P1', signed: false, reasons: [expect.stringContaining('approvals: 0 of 1 (missing: 1 more approver)')] });
    expect(signOff.code).toBe(1);

    expect(runCli(repo, ['approve', 'P1'], { env: as(MALLORY) }).code).toBe(0);
    const phaseSignOff = runCli(repo, ['sign-off', 'P1']);
    expect(phaseSignOff.stdout).toContain('Signed off phase P1');
    expect(phaseSignOff.code).toBe(0);
  });
});

describe('the approvals-quorum rule', () => {
  it('reports a `min` above the number of distinct approvers in `from`, at the key', () => {
    const repo = verdictRepo({ [stageFile('P1-S00')]: flagStage('P1-S00', 0, { extra: 'approvals: { min: 3, from: [a@example.com, A@example.com, b@example.com] }\n' }) });
    const result = runCli(repo, ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    const [finding] = JSON.parse(result.stdout).diagnostics.filter((d: { ruleId: string }) => d.ruleId === 'approvals-quorum');
    expect(finding).toMatchObject({ file: stageFile('P1-S00'), line: 13, column: 19, severity: 'error' });
    expect(finding.message).toBe('`approvals.min` is 3 but `approvals.from` lists 2 distinct approvers: the quorum can never be met, expected `min` at most 2');
  });
});

describe('the research pattern', () => {
  it('asks for two approvals in S4, and the scaffolded phase validates', () => {
    const repo = makeRepo({});
    expect(runCli(repo, ['new-phase', 'study', '--pattern', 'research', '--owner', 'ana@example.com']).code).toBe(0);
    commitAll(repo, 'scaffold');
    expect(readFileSync(path.join(repo, 'stages/study/04-deployment-readiness.md'), 'utf8')).toContain('\napprovals: { min: 2 }\n');
    expect(runCli(repo, ['validate', '--max-warnings', '0']).stdout).toContain('no problems');
    const status = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout);
    const s4 = status.phases[0].stages.find((candidate: { id: string }) => candidate.id === 'P1-S04');
    expect(s4.approvals).toMatchObject({ min: 2, from: null, met: false, summary: 'approvals: 0 of 2 (missing: 2 more approvers)' });
    expect(status.phases[0].stages.filter((candidate: { approvals: unknown }) => candidate.approvals !== null)).toHaveLength(1);
  });
});

describe('signed approvals (`approvals.signed: true`)', () => {
  it('counts only a tag whose signature git verify-tag accepts, and approve signs its tag', () => {
    const repo = verdictRepo({ [stageFile('P1-S00')]: flagStage('P1-S00', 0, { extra: 'approvals: { min: 1, signed: true }\n' }) });
    expect(gateRun(repo, 'P1-S00', true).code).toBe(0);
    commitAll(repo, 'evidence');
    // A real SSH signing key of alice's, and the allowed-signers file verify-tag trusts (in .git, so the tree stays clean).
    const key = path.join(repo, '.git', 'alice_key');
    const bobKey = path.join(repo, '.git', 'bob_key');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', ALICE, '-f', key]);
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', BOB, '-f', bobKey]);
    writeFileSync(
      path.join(repo, '.git', 'allowed_signers'),
      `${ALICE} namespaces="git" ${readFileSync(`${key}.pub`, 'utf8')}${BOB} namespaces="git" ${readFileSync(`${bobKey}.pub`, 'utf8')}`,
    );
    git(repo, 'config', 'gpg.format', 'ssh');
    git(repo, 'config', 'user.signingkey', key);
    git(repo, 'config', 'gpg.ssh.allowedSignersFile', path.join(repo, '.git', 'allowed_signers'));

    handTag(repo, `stagedocs/approvals/P1-S00/${head(repo)}/unsigned`, head(repo), approvalText('P1-S00', head(repo)), ALICE);
    // git verify-tag accepts any trusted key, whoever the tagger: bob's key on a tag with alice as tagger is not alice's approval.
    const forged = spawnSync('git', ['-c', `user.signingkey=${bobKey}`, 'tag', '-s', '--cleanup=verbatim', '-F', '-', `stagedocs/approvals/P1-S00/${head(repo)}/bob-signed`, head(repo)], {
      cwd: repo,
      env: { ...GIT_ENV, ...as(ALICE) },
      input: approvalText('P1-S00', head(repo)),
      encoding: 'utf8',
    });
    expect(forged.status, forged.stderr).toBe(0);
    const before = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout).phases[0].stages[0].approvals;
    expect(before.met).toBe(false);
    expect(Object.fromEntries(before.approvals.map((approval: { tag: string; not_counted_because: string[] }) => [approval.tag.split('/').at(-1), approval.not_counted_because]))).toEqual({
      unsigned: ['its signature does not verify (`approvals.signed: true`; `git verify-tag` says why)'],
      'bob-signed': [`it is signed by ${BOB}, not by its tagger ${ALICE}`],
    });

    const approved = runCli(repo, ['approve', 'P1-S00', '--format', 'json'], { env: as(ALICE) });
    expect(approved.stderr).toBe('');
    const outcome = JSON.parse(approved.stdout);
    expect(outcome.approvals).toMatchObject({ met: true, approvers: [ALICE] });
    expect(git(repo, 'cat-file', 'tag', outcome.tag)).toContain('-----BEGIN SSH SIGNATURE-----');
    const after = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout).phases[0].stages[0];
    expect(after.approvals).toMatchObject({ met: true, approvers: [ALICE] });

    // When git cannot sign (here its signing program fails), approve says how to configure signing (exit 2), no stack trace.
    git(repo, 'config', 'gpg.ssh.program', 'false');
    const unsigned = runCli(repo, ['approve', 'P1-S00'], { env: as(BOB) });
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain('requires signed approvals and git wrote the tag without a signature');
    expect(git(repo, 'tag', '-l', `stagedocs/approvals/P1-S00/${head(repo)}/*`).trim().split('\n')).toHaveLength(3);
    expect(unsigned.stderr).not.toMatch(/\n\s+at /);
  });
});
