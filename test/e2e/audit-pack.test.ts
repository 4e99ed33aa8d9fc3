import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { decision, phase, stage, STAGE_SECTIONS } from '../helpers/documents.js';
import { commitFiles, registryCsv, resetCommitClock, runFolder, runReport } from '../helpers/evidence.js';
import { git, makeRepo, runCli } from '../helpers/repo.js';

const SNAPSHOTS = '__snapshots__/audit-pack';

/** A committed phase with three stages on main, and a `feature` branch checked out. */
function scaffold(): string {
  const dir = makeRepo({}, { commit: false });
  commitFiles(
    dir,
    {
      'stages/mvp/phase.md': phase(),
      'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress' }),
      'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1 }),
      'stages/mvp/02-data.md': stage({ id: 'P1-S02', order: 2 }),
    },
    'Scaffold phase P1',
  );
  git(dir, 'checkout', '-q', '-b', 'feature');
  return dir;
}

const IMPACT = `${STAGE_SECTIONS}
## Expected Impact and Risk
Adds the foundation; a broken parser would block every later stage.

## Open Questions
- Do we need Node 18?
`;

function pack(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = runCli(dir, ['audit-pack', ...args], { env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** Every row of every markdown table has as many unescaped cell separators as its header. */
function expectWellFormedTables(markdown: string): void {
  const separators = (line: string) => line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length;
  let header: number | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    header ??= separators(line);
    expect(separators(line), line).toBe(header);
  }
}

beforeEach(() => resetCommitClock());

describe('stagedocs audit-pack', () => {
  it('renders one stage with its evidence, links and registry rows', async () => {
    const dir = scaffold();
    // Done, with the two gates its run ran: the run counts and sign-off is allowed.
    const gates = 'gates:\n  - id: build\n    run: "true"\n  - id: tests\n    run: "true"';
    const head = commitFiles(dir, { 'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'done', gates, body: IMPACT }) }, 'P1-S00: state impact and risk');
    const report = runReport({ stage: 'P1-S00', at: '20261121T100500Z', pass: true, commit: head, gates: [{ id: 'build', outcome: 'pass' }, { id: 'tests', outcome: 'pass' }] });
    commitFiles(dir, { ...runFolder(report), 'gate_results/gate_registry.csv': registryCsv([report]) }, 'P1-S00: gate run');

    const markdown = pack(dir, ['P1-S00', '--base', 'main']);
    await expect(markdown).toMatchFileSnapshot(`${SNAPSHOTS}/one-stage.md`);
    expect(markdown).toContain('[report.md](gate_results/P1-S00_20261121T100500Z/report.md), [run.log](gate_results/P1-S00_20261121T100500Z/run.log)');
    expect(markdown).toContain('build: pass, tests: pass');
    expect(markdown).toContain('matches report.json');
    expect(markdown).toContain('sign-off allowed');
    expect(markdown).not.toContain('<summary><b>P1-S01</b>');
    expectWellFormedTables(markdown);
    // Byte-identical for the same input.
    expect(pack(dir, ['P1-S00', '--base', 'main'])).toBe(markdown);
  });

  it('renders a whole pull request: every stage changed in base..head, blocked and failed first', async () => {
    const dir = scaffold();
    commitFiles(dir, { 'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress', body: IMPACT }) }, 'P1-S00: impact');
    const s00 = runReport({ stage: 'P1-S00', at: '20261121T100200Z', pass: true, commit: git(dir, 'rev-parse', 'HEAD').trim() });
    commitFiles(dir, runFolder(s00), 'P1-S00: passing run');
    commitFiles(
      dir,
      {
        'decisions/D-2026-11-21-002.md': decision({ tag: 'D-2026-11-21-002', extra: 'stages: [P1-S01]\n' }),
        'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1, status: 'in-progress', extra: 'decision: D-2026-11-21-002\n' }),
      },
      'P1-S01: start, decision note',
    );
    const s01 = runReport({ stage: 'P1-S01', at: '20261121T100400Z', pass: false, stageFile: 'stages/mvp/01-skeleton.md', commit: git(dir, 'rev-parse', 'HEAD').trim() });
    commitFiles(dir, { ...runFolder(s01), 'gate_results/gate_registry.csv': registryCsv([s00, s01]) }, 'P1-S01: failing run');
    commitFiles(dir, { 'README.md': 'unrelated\n' }, 'Unrelated change');

    const markdown = pack(dir, ['--base', 'main']);
    await expect(markdown).toMatchFileSnapshot(`${SNAPSHOTS}/whole-pr.md`);
    expect(markdown).toMatch(/^- Range: main \([0-9a-f]{12}\)\.\.HEAD \([0-9a-f]{12}\), 5 commits$/m);
    // The failing stage comes first; the untouched stage is not in the pack.
    expect(markdown.indexOf('<summary><b>P1-S01</b>')).toBeLessThan(markdown.indexOf('<summary><b>P1-S00</b>'));
    expect(markdown).not.toContain('| P1-S02 Stage P1-S02 |');
    expect(markdown).not.toContain('<summary><b>P1-S02</b>');
    expect(markdown).toContain('Not ready: 1 of 2 stages blocked or failing.');
    expect(markdown).toContain('```mermaid');
    expect(markdown).not.toContain('Unrelated change');
    expectWellFormedTables(markdown);
  });

  it('explains a rerun after a failure: both runs, the root cause, and the sign-off tag', async () => {
    const dir = scaffold();
    const first = runReport({ stage: 'P1-S00', at: '20261121T100100Z', pass: false, commit: git(dir, 'rev-parse', 'HEAD').trim() });
    commitFiles(dir, { ...runFolder(first), 'gate_results/gate_registry.csv': registryCsv([first]) }, 'P1-S00: failing run');
    commitFiles(
      dir,
      {
        'decisions/D-2026-11-21-003.md': decision({
          tag: 'D-2026-11-21-003',
          extra: 'stages: [P1-S00]\nrerun_of: P1-S00_20261121T100100Z\n',
          body: '## Context\nThe first run failed.\n\n## Decision\nPin the test database version and rerun.\n\n## Root cause\nThe CI image moved to PostgreSQL 17.\n\n## Consequences\nOne more pin to maintain.\n',
        }),
        'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'done', extra: 'decision: D-2026-11-21-003\n' }),
      },
      'P1-S00: decision to rerun',
    );
    const second = runReport({ stage: 'P1-S00', at: '20261121T100300Z', pass: true, decision: 'D-2026-11-21-003', commit: git(dir, 'rev-parse', 'HEAD').trim() });
    commitFiles(dir, { ...runFolder(second), 'gate_results/gate_registry.csv': registryCsv([first, second]) }, 'P1-S00: rerun passes');
    git(dir, 'tag', '-a', 'stagedocs/P1-S00/signed-off', '-m', 'stagedocs sign-off of stage P1-S00', '-m', `stage: P1-S00\nrun_id: ${second.run_id}`);

    const markdown = pack(dir, ['--base', 'main']);
    await expect(markdown).toMatchFileSnapshot(`${SNAPSHOTS}/rerun-after-failure.md`);
    expect(markdown).toContain('The CI image moved to PostgreSQL 17.');
    expect(markdown).toContain('rerun of P1-S00\\_20261121T100100Z');
    expect(markdown).toMatch(/\| P1-S00\\_20261121T100100Z \| tests: fail \| \*\*fail\*\* \|/);
    expect(markdown).toMatch(/\| P1-S00\\_20261121T100300Z \| tests: pass \| pass \|/);
    expect(markdown).toContain('signed off: tag stagedocs/P1-S00/signed-off');
  });

  it('says plainly when a changed stage has no evidence, and what to do next', async () => {
    const dir = scaffold();
    commitFiles(dir, { 'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1, status: 'in-progress' }) }, 'P1-S01: start');
    const markdown = pack(dir, ['--base', 'main']);
    await expect(markdown).toMatchFileSnapshot(`${SNAPSHOTS}/no-evidence.md`);
    expect(markdown).toContain('No gate run of this stage in this range.');
    expect(markdown).toContain('blocked: P1-S00 has no passing run');
    expect(markdown).toContain('_Not stated in the stage document (add an "Expected Impact and Risk" section)._');
  });

  it('keeps a pack over --max-chars under the limit, most important stages first, and lists what it left out', async () => {
    const dir = makeRepo({}, { commit: false });
    commitFiles(dir, { 'stages/big/phase.md': phase() }, 'Phase');
    git(dir, 'checkout', '-q', '-b', 'feature');
    const tree: Record<string, string> = {};
    for (let order = 0; order < 30; order++) {
      const id = `P1-S${String(order).padStart(2, '0')}`;
      const status = order === 17 ? 'blocked' : 'not-started';
      tree[`stages/big/${String(order).padStart(2, '0')}-stage.md`] = stage({ id, order, status, body: `${STAGE_SECTIONS}\n## Open Questions\n${'- A long open question that takes room.\n'.repeat(20)}` });
    }
    commitFiles(dir, tree, 'Thirty stages');
    const result = runCli(dir, ['audit-pack', '--base', 'main', '--max-chars', '12000']);
    expect(result.code).toBe(0);
    const markdown = result.stdout;
    await expect(markdown).toMatchFileSnapshot(`${SNAPSHOTS}/over-size-limit.md`);
    expect(markdown.length).toBeLessThanOrEqual(12_000);
    expect(markdown).toMatch(/The details of \d+ of 30 stages \(\d+ not-started\) are left out to keep this pack under 12000 characters; the summary table above lists them/);
    // The blocked stage is kept in full; a done stage is among those folded.
    expect(markdown).toContain('<summary><b>P1-S17</b> Stage P1-S17 (blocked)</summary>');
    expect(markdown).toContain('| P1-S29 Stage P1-S29 | not-started | no runs | 1 commit, 1 file | waiting: P1-S28 has no passing run |');

    const tiny = runCli(dir, ['audit-pack', '--base', 'main', '--max-chars', '2500']).stdout;
    expect(tiny.length).toBeLessThanOrEqual(2500);
  });

  it('keeps hostile titles and sections inert: no table breaks, links, mentions, HTML or Mermaid injection', async () => {
    const dir = scaffold();
    const hostile = 'Evil | cell ](javascript:alert(1)) @org/team <img src=x onerror=alert(1)> "]; s9[x] --> `';
    const body = STAGE_SECTIONS.replace(
      'Revert the merge commit.',
      'Ping @org/team and click [here](javascript:alert(1)).\n<script>alert(1)</script>\n# Not a heading of ours\n| a | b |',
    );
    commitFiles(
      dir,
      { 'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1, status: 'in-progress', body }).replace('title: Stage P1-S01', `title: ${JSON.stringify(`${hostile}\nsecond line`)}`) },
      'P1-S01: hostile',
    );
    const markdown = pack(dir, ['--base', 'main']);
    await expect(markdown).toMatchFileSnapshot(`${SNAPSHOTS}/hostile-titles.md`);
    // Markdown is not parsed inside the raw HTML of a details block's summary, where the title is HTML-escaped text.
    const summaries = markdown.match(/^<summary>.*$/gm)!;
    expect(summaries).toEqual(['<summary><b>P1-S01</b> Evil | cell ](javascript:alert(1)) @&#8203;org/team &lt;img src=x onerror=alert(1)&gt; &quot;]; s9[x] --&gt; ` second line (blocked)</summary>']);
    const markdownOnly = markdown.replace(/^<summary>.*$/gm, '');
    expect(markdownOnly).not.toMatch(/(?<!\\)\]\((?:javascript)/);
    expect(markdownOnly).not.toContain('](javascript:');
    expect(markdown).not.toMatch(/@org\/team/);
    expect(markdown).not.toContain('<img');
    expect(markdown).not.toContain('<script');
    expect(markdown).not.toMatch(/^# Not a heading/m);
    expectWellFormedTables(markdown);
    const mermaid = markdown.slice(markdown.indexOf('```mermaid'), markdown.indexOf('```', markdown.indexOf('```mermaid') + 3));
    expect(mermaid).not.toContain('s9[x]');
    expect(mermaid).toContain('#quot;#93;#59; s9#91;x#93; --#gt; #96;');
    expect(mermaid).toContain('#64;org/team');
  });

  it('works as a new user would: scaffold, commit, add evidence, commit, audit-pack --base main', () => {
    const dir = makeRepo({}, { commit: false });
    commitFiles(dir, {
      'stages/mvp/phase.md': phase(),
      'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, body: IMPACT }),
      'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1 }),
    }, 'Scaffold');
    git(dir, 'checkout', '-q', '-b', 'work');
    commitFiles(dir, { 'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress', body: IMPACT }) }, 'Start P1-S00');
    const run = runReport({ stage: 'P1-S00', at: '20261121T110000Z', pass: true, commit: git(dir, 'rev-parse', 'HEAD').trim() });
    // The run passed: commit its evidence and mark the stage done (sign-off needs both).
    commitFiles(
      dir,
      { ...runFolder(run), 'gate_results/gate_registry.csv': registryCsv([run]), 'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'done', body: IMPACT }) },
      'Gate run P1-S00',
    );
    expect(runCli(dir, ['validate']).code).toBe(0);

    const out = path.join(dir, 'audit.md');
    const result = runCli(dir, ['audit-pack', '--base', 'main', '--out', 'audit.md']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const markdown = readFileSync(out, 'utf8');
    // What a reviewer acts on: which stage, what changed, the evidence, and the decision to take.
    expect(markdown).toContain('No blockers in 1 stage.');
    expect(markdown).toContain('<summary><b>P1-S00</b> Stage P1-S00 (done)</summary>');
    expect(markdown).toContain('Start P1-S00');
    expect(markdown).toContain('`gate_results/P1-S00_20261121T110000Z/` (added)');
    expect(markdown).toContain('Adds the foundation; a broken parser would block every later stage.');
    expect(markdown).toContain('**sign-off allowed: `stagedocs sign-off P1-S00`**');

    const json = JSON.parse(runCli(dir, ['audit-pack', '--base', 'main', '--format', 'json']).stdout);
    expect(json.stages.map((entry: { id: string }) => entry.id)).toEqual(['P1-S00']);
    expect(json.stages[0].outcome.sign_off_allowed).toBe(true);
    expect(json.stages[0].evidence.runs[0]).toMatchObject({ run_id: 'P1-S00_20261121T110000Z', result: 'pass', report_md: 'gate_results/P1-S00_20261121T110000Z/report.md' });
  });

  it('names changed documents that fail validation, and warns when a committed freeze file is rewritten', () => {
    const dir = scaffold();
    const freeze = (hash: string) => `${JSON.stringify({ stage: 'P1-S00', protocol_version: '1', created_at: '2026-11-21T10:00:00Z', inputs: { 'data.csv': hash } }, null, 2)}\n`;
    commitFiles(dir, { 'freeze/P1-S00.freeze.json': freeze('a'.repeat(64)) }, 'Freeze P1-S00');
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    commitFiles(
      dir,
      { 'freeze/P1-S00.freeze.json': freeze('b'.repeat(64)), 'stages/mvp/02-data.md': stage({ id: 'P1-S02', order: 2 }).replace('order: 2', 'order: two') },
      'Quietly edit the freeze file',
    );
    const markdown = pack(dir, ['--base', base]);
    expect(markdown).toContain('## Documents that could not be read');
    expect(markdown).toMatch(/^- `stages\/mvp\/02-data\.md`: 1 error, first: 6:8 /m);
    expect(markdown).toContain('1 changed document fails validation');
    expect(markdown).toContain('WARNING: freeze/P1-S00.freeze.json was modified or deleted in this range');
  });

  it('uses templates from the repository when it overrides them', () => {
    const dir = scaffold();
    commitFiles(dir, { 'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1, status: 'in-progress' }) }, 'P1-S01: start');
    commitFiles(dir, { 'templates/audit-pack-stage.md.hbs': '### {{heading id}} is {{state}}: {{md outcome.next_action}}\n' }, 'Override');
    // Outside CI (where overrides need the config's consent), whatever runs this test.
    const markdown = pack(dir, ['--base', 'main'], { CI: '', GITHUB_ACTIONS: '' });
    expect(markdown).toContain('### P1-S01 is blocked: blocked: P1-S00 has no passing run');
    expect(markdown).not.toContain('### What changed');
  });

  it('refuses refs that are options and unknown stages before touching git (exit 2)', () => {
    const dir = scaffold();
    const refused = runCli(dir, ['audit-pack', '--base=--output=x']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--base `--output=x` is not a valid git ref');
    expect(runCli(dir, ['audit-pack', '--head', '-p']).code).toBe(2);
    const unknown = runCli(dir, ['audit-pack', 'P9-S99']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown stage: P9-S99');
    expect(runCli(dir, ['audit-pack', '--base', 'no-such-branch']).stderr).toContain('--base `no-such-branch` does not name a commit');
    expect(runCli(dir, ['audit-pack', '--max-chars', '10']).code).toBe(2);
    const unwritable = runCli(dir, ['audit-pack', '--out', 'no/such/folder/audit.md']);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain('cannot write --out `no/such/folder/audit.md`');
  });

  it('says plainly that a repository without commits has nothing to pack (exit 2)', () => {
    const dir = makeRepo({ 'stages/mvp/phase.md': phase(), 'stages/mvp/00-foundation.md': stage({ id: 'P1-S00' }) }, { commit: false });
    const result = runCli(dir, ['audit-pack']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('This repository has no commits yet');
    expect(result.stderr).not.toContain('    at ');
  });

  it('refuses a shallow clone, where the history would be missing', () => {
    const dir = scaffold();
    commitFiles(dir, { 'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1, status: 'in-progress' }) }, 'more');
    const clone = makeRepo({}, { commit: false });
    git(clone, 'fetch', '-q', '--depth', '1', `file://${dir}`, 'feature');
    git(clone, 'checkout', '-q', 'FETCH_HEAD');
    const result = runCli(clone, ['audit-pack']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('shallow clone');
  });
});
