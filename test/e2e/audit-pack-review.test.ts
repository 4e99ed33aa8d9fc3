import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { beforeEach, describe, expect, it } from 'vitest';
import { phase, stage, STAGE_SECTIONS } from '../helpers/documents.js';
import { commitFiles, registryCsv, resetCommitClock, runFolder, runReport } from '../helpers/evidence.js';
import { git, makeRepo, runCli } from '../helpers/repo.js';

/**
 * The pack as a reviewer sees it: rendered as GitHub-flavoured markdown (micromark with its GFM
 * extension: tables, strikethrough, autolink literals, task lists), raw HTML kept so that our own
 * `<details>` blocks show, and checked as HTML.
 */
function rendered(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

function pack(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = runCli(dir, ['audit-pack', ...args], { env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** The markdown of each `<details>` block, and what is outside them. */
function blocks(markdown: string): { outside: string; details: string[] } {
  const details = [...markdown.matchAll(/^<details>\n([\s\S]*?)\n<\/details>$/gm)].map((match) => match[1]!);
  return { outside: markdown.replace(/^<details>\n[\s\S]*?\n<\/details>$/gm, ''), details };
}

/** Lines that say something (not blank, a table rule or a heading), each at most once. */
function expectNoRepeatedLines(text: string): void {
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !/^\|(?:---\|)+$/.test(line) && !/^#{1,6} /.test(line));
  const seen = new Map<string, number>();
  for (const line of lines) seen.set(line, (seen.get(line) ?? 0) + 1);
  expect([...seen].filter(([, count]) => count > 1).map(([line]) => line)).toEqual([]);
}

/** A phase of three stages on main, `feature` checked out: P1-S00 passed and P1-S01, P1-S02 changed. */
function pullRequest(): string {
  const dir = makeRepo({}, { commit: false });
  commitFiles(
    dir,
    {
      'stages/mvp/phase.md': phase(),
      'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0 }),
      'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1 }),
      'stages/mvp/02-data.md': stage({ id: 'P1-S02', order: 2 }),
      'stages/mvp/03-api.md': stage({ id: 'P1-S03', order: 3 }),
    },
    'Scaffold phase P1',
  );
  git(dir, 'checkout', '-q', '-b', 'feature');
  commitFiles(dir, { 'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress' }) }, 'P1-S00: start');
  const run = runReport({ stage: 'P1-S00', at: '20261121T100200Z', pass: true, commit: git(dir, 'rev-parse', 'HEAD').trim() });
  commitFiles(dir, { ...runFolder(run), 'gate_results/gate_registry.csv': registryCsv([run]) }, 'P1-S00: passing run');
  commitFiles(
    dir,
    {
      'stages/mvp/02-data.md': stage({ id: 'P1-S02', order: 2, status: 'in-progress' }),
      'stages/mvp/03-api.md': stage({ id: 'P1-S03', order: 3, body: `${STAGE_SECTIONS}\n## Expected Impact and Risk\nNew endpoints.\n` }),
    },
    'P1-S02 starts early; P1-S03 states its impact',
  );
  return dir;
}

beforeEach(() => resetCommitClock());

describe('the audit pack as a reviewer reads it (GitHub-flavoured markdown)', () => {
  it('starts with a summary table with a header, then one collapsed details block per stage', () => {
    const dir = pullRequest();
    const markdown = pack(dir, ['--base', 'main']);
    const html = rendered(markdown);
    const firstTable = html.indexOf('<table>');
    expect(firstTable).toBeGreaterThan(-1);
    expect(firstTable).toBeLessThan(html.indexOf('<details>'));
    expect(html.slice(firstTable, html.indexOf('</thead>', firstTable))).toMatch(
      /<th>Stage<\/th>\s*<th>Status<\/th>\s*<th>Last gate result<\/th>\s*<th>What changed<\/th>\s*<th>Next action<\/th>/,
    );
    // One row per changed stage, most important first: blocked P1-S02, then the others.
    const rows = [...html.slice(firstTable, html.indexOf('</table>', firstTable)).matchAll(/<tr>\s*<td>([^<]*)<\/td>/g)].map((match) => match[1]);
    expect(rows).toEqual(['P1-S02 Stage P1-S02', 'P1-S00 Stage P1-S00', 'P1-S03 Stage P1-S03']);
    // Every table has a real header: no empty header cells anywhere.
    expect(html).not.toMatch(/<th>\s*<\/th>/);
    expect(html.match(/<details>/g)).toHaveLength(3);
    expect(html.match(/<details>\s*<summary><b>P1-S\d\d<\/b> Stage P1-S\d\d \([a-z-]+\)<\/summary>/g)).toHaveLength(3);
    // The details hold markdown that renders: headings and tables inside each block.
    const { details } = blocks(markdown);
    for (const block of details) expect(rendered(block)).toMatch(/<h3>What changed<\/h3>[\s\S]*<h3>Decision outcome and next action<\/h3>/);
  });

  it('shows commands as code, not as escaped backticks', () => {
    const dir = pullRequest();
    // P1-S00 passed but is still in-progress: what to do before sign-off names a field and a command, as code.
    const before = pack(dir, ['--base', 'main']);
    expect(before).not.toContain('\\`');
    // P1-S02 started early (a linear-progression error): sign-off, which needs a repository that validates, says so too.
    expect(rendered(before)).toContain(
      'before sign-off: set <code>status: done</code> in stages/mvp/00-foundation.md and commit it; fix the validation errors of the other files (<code>stagedocs validate</code> lists them); then <code>stagedocs sign-off P1-S00</code>',
    );
    // Sign-off needs a done stage, and no validation error anywhere.
    commitFiles(dir, { 'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'done' }), 'stages/mvp/02-data.md': stage({ id: 'P1-S02', order: 2 }) }, 'P1-S00: done; P1-S02 waits');
    const markdown = pack(dir, ['--base', 'main']);
    const html = rendered(markdown);
    expect(markdown).not.toContain('\\`');
    expect(html).not.toContain('`stagedocs');
    expect(html).toContain('<strong>sign-off allowed: <code>stagedocs sign-off P1-S00</code></strong>');
    expect(html).toContain('<td>sign-off allowed: <code>stagedocs sign-off P1-S00</code></td>');
  });

  it('says each thing once: no repeated line in the page or in any stage details', () => {
    const dir = pullRequest();
    const markdown = pack(dir, ['--base', 'main']);
    const { outside, details } = blocks(markdown);
    expectNoRepeatedLines(outside);
    for (const block of details) expectNoRepeatedLines(block);
    // The blocked stage names its blocker once in its details (and once in the table, once under Blockers).
    const blocked = details.find((block) => block.includes('<b>P1-S02</b>'))!;
    expect(blocked.match(/P1-S01 has no passing run/g)).toHaveLength(1);
    expect(markdown.match(/P1-S01 has no passing run/g)).toHaveLength(3);
  });

  it('keeps content inert when rendered: no links, images, HTML or mentions from documents', () => {
    const dir = pullRequest();
    const hostile = 'Evil | cell ](javascript:alert(1)) @org/team <img src=x onerror=alert(1)> <details> https://evil.example/x #12 `code`';
    const body = STAGE_SECTIONS.replace('Revert the merge commit.', `Ping @org/team, see [here](https://evil.example) and ![x](https://evil.example/i.png).\n<img src=x>\n<a href="https://evil.example">a</a>`);
    commitFiles(
      dir,
      { 'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1, status: 'in-progress', body }).replace('title: Stage P1-S01', `title: ${JSON.stringify(hostile)}`) },
      `P1-S01: hostile @org/team https://evil.example/commit`,
    );
    const markdown = pack(dir, ['--base', 'main']);
    const html = rendered(markdown);
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<a href="(?!gate_results\/P1-S00_20261121T100200Z\/(?:report\.md|run\.log)")/);
    expect(html).not.toContain('evil.example"');
    expect(html.match(/<details>/g)).toHaveLength(4);
    expect(html).not.toMatch(/<(?:script|iframe|a) (?!href="gate_results)/);
    // The title reaches the summary of its details block as text only.
    expect(html).toContain('<summary><b>P1-S01</b> Evil | cell ](javascript:alert(1)) @&#8203;org/team &lt;img src=x onerror=alert(1)&gt; &lt;details&gt; https://evil.example/x #&#8203;12 `code` (blocked)</summary>');
    // No mention survives anywhere: every @ is followed by a zero-width space.
    expect(html.replace(/&#8203;|\u200b/g, '\u200b')).not.toMatch(/@(?!\u200b)[A-Za-z0-9]/);
  });
});

describe('the audit pack of a pull request of 300 stages, 299 of them waiting on their predecessor', () => {
  it('fits 65,536 characters with the summary, the overview and the most important stages in full', () => {
    const dir = makeRepo({}, { commit: false });
    commitFiles(dir, { 'stages/big/phase.md': phase() }, 'Phase');
    git(dir, 'checkout', '-q', '-b', 'feature');
    const tree: Record<string, string> = {};
    for (let order = 0; order < 300; order++) {
      const id = `P1-S${String(order).padStart(3, '0')}`;
      tree[`stages/big/${String(order).padStart(3, '0')}-stage.md`] = stage({ id, order, status: order === 0 ? 'in-progress' : 'not-started' });
    }
    commitFiles(dir, tree, 'Three hundred stages');
    const failing = runReport({ stage: 'P1-S000', at: '20261121T100200Z', pass: false, commit: git(dir, 'rev-parse', 'HEAD').trim() });
    commitFiles(dir, { ...runFolder(failing), 'gate_results/gate_registry.csv': registryCsv([failing]) }, 'P1-S000: failing run');

    const markdown = pack(dir, ['--base', 'main']);
    expect(markdown.length).toBeLessThanOrEqual(65_536);
    const html = rendered(markdown);
    // The summary: the failing stage, then the 299 waiting ones in one row.
    expect(html).toContain('<th>Stage</th>');
    expect(markdown).toContain('| P1-S000 Stage P1-S000 | failed | fail (tests) | 2 commits, 2 files |');
    expect(markdown).toContain('| P1-S001, P1-S002, P1-S003, P1-S004, P1-S005, ... P1-S299 (299 stages) | not-started | no runs | 299 of 299 changed in this range | waiting: a dependency has no passing run (each) |');
    // Outside the stages' own details, the 299 waiting stages take one line, not 299.
    expect(blocks(markdown).outside.match(/has no passing run/g)).toHaveLength(1);
    // The overview: top to bottom, the long run of waiting stages one node.
    const mermaid = markdown.slice(markdown.indexOf('```mermaid'), markdown.indexOf('```', markdown.indexOf('```mermaid') + 3));
    expect(mermaid).toContain('flowchart TB');
    expect(mermaid).toContain('["P1-S001 ... P1-S299<br/>299 stages, not-started (in this pack)"]:::notstarted');
    expect(mermaid.split('\n').filter((line) => line.includes(':::')).length).toBeLessThan(5);
    // The most important stage first, in full, and more after it.
    const shown = [...markdown.matchAll(/^<summary><b>(P1-S\d{3})<\/b>/gm)].map((match) => match[1]);
    expect(shown[0]).toBe('P1-S000');
    expect(shown.length).toBeGreaterThan(5);
    expect(markdown).toMatch(/The details of \d+ of 300 stages \(\d+ not-started\) are left out to keep this pack under 65536 characters; the summary table above lists them\./);
    expectNoRepeatedLines(blocks(markdown).outside);
  });
});

describe('the same repository state gives the same bytes', () => {
  it('shows the head commit time whatever the clock says, or SOURCE_DATE_EPOCH when set', () => {
    const dir = pullRequest();
    const first = pack(dir, ['--base', 'main'], { STAGEDOCS_NOW: '2026-11-21T09:30:00Z' });
    const second = pack(dir, ['--base', 'main'], { STAGEDOCS_NOW: '2031-01-01T00:00:00Z' });
    // No fixed clock at all: the wall clock, which must not show either.
    const third = pack(dir, ['--base', 'main'], { STAGEDOCS_NOW: '' });
    expect(second).toBe(first);
    expect(third).toBe(first);
    const committed = new Date(git(dir, 'log', '-1', '--format=%cI').trim()).toISOString().replace('.000Z', 'Z');
    expect(first).toContain(`- Generated by stagedocs 0\\.1.0 at ${committed} (the head commit's time)\n`);

    const epoch = pack(dir, ['--base', 'main'], { SOURCE_DATE_EPOCH: '1700000000' });
    expect(epoch).toContain('- Generated by stagedocs 0\\.1.0 at 2023-11-14T22:13:20Z (`SOURCE_DATE_EPOCH`)\n');
    expect(epoch.replace(/^- Generated by .*$/m, '')).toBe(first.replace(/^- Generated by .*$/m, ''));
    const refused = runCli(dir, ['audit-pack', '--base', 'main'], { env: { SOURCE_DATE_EPOCH: 'yesterday' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('SOURCE_DATE_EPOCH `yesterday` is not a number of seconds');
  });
});
