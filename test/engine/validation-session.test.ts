import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validate } from '../../src/api/validate.js';
import { ValidationSession } from '../../src/api/validation-session.js';
import { LiveRuns } from '../../src/engine/live-reuse.js';
import { stage, validTree } from '../helpers/documents.js';
import { git, GIT_ENV, makeRepo } from '../helpers/repo.js';

const FILE = 'stages/mvp/01-skeleton.md';

/** What `validate({ overlay })` reports on the overlaid files: what the session must report, field for field. */
async function validateOverlay(repo: string, overlay: ReadonlyMap<string, string>) {
  const report = await validate({ root: repo, env: GIT_ENV, overlay });
  return report.diagnostics.filter((d) => overlay.has(d.file));
}

afterEach(() => {
  vi.restoreAllMocks();
});

// The language server's session keeps the repository in memory; each of its answers must be the one a
// whole `validate` with the same unsaved text gives, before and after the disk changes under it.
describe('ValidationSession', () => {
  it('gives what validate with the same overlay gives, for document, cross-file, link and evidence rules', async () => {
    const repo = makeRepo({ ...validTree(), 'docs/present.md': '# here\n' });
    const session = await ValidationSession.open({ root: repo, env: GIT_ENV });
    const saved = readFileSync(path.join(repo, FILE), 'utf8');
    const overlays: Array<Map<string, string>> = [
      new Map([[FILE, saved]]),
      new Map([[FILE, saved.replace('estimate: 2', 'estimat: 2')]]),
      new Map([[FILE, saved.replace('id: P1-S01', 'id: P1-S00').replace('estimate: 2', 'estimate: 2\ndepends_on: [P1-S07]')]]),
      new Map([[FILE, `${saved}\nSee [the notes](../../docs/missing.md) and [here](../../docs/present.md).\n`]]),
      new Map([[FILE, saved.replace('status: not-started', 'status: done').replace('estimate: 2', 'estimate: 2\nproduces: [docs/present.md, docs/absent.md]')]]),
      // A new document, not on disk, beside an edited one: each sees the other.
      new Map([
        [FILE, saved],
        ['stages/mvp/02-data.md', stage({ id: 'P1-S01', order: 2 })],
      ]),
    ];
    const seen = new Set<string>();
    for (const overlay of overlays) {
      const expected = await validateOverlay(repo, overlay);
      expect((await session.validate(overlay)).diagnostics).toEqual(expected);
      for (const d of expected) seen.add(d.ruleId);
    }
    // Each kind of rule was exercised: document, cross-file, existence (links) and evidence.
    expect([...seen].sort()).toEqual(['broken-link', 'done-needs-passing-run', 'frontmatter-schema', 'linear-progression', 'unique-id', 'unknown-reference']);
  });

  it('sees documents changed, added and deleted on disk, and a new commit, once refreshed', async () => {
    const repo = makeRepo(validTree());
    const session = await ValidationSession.open({ root: repo, env: GIT_ENV });
    const overlay = new Map([[FILE, readFileSync(path.join(repo, FILE), 'utf8')]]);
    expect((await session.validate(overlay)).diagnostics).toEqual([]);

    // Changed: the other stage takes this one's id.
    const other = 'stages/mvp/00-foundation.md';
    writeFileSync(path.join(repo, other), readFileSync(path.join(repo, other), 'utf8').replace('id: P1-S00', 'id: P1-S01'));
    expect(await session.refresh([other])).toBe(true);
    const changed = await validateOverlay(repo, overlay);
    expect(changed.map((d) => d.ruleId)).toContain('unique-id');
    expect((await session.validate(overlay)).diagnostics).toEqual(changed);

    // Added and deleted, found by a full refresh (a client without a file watcher).
    rmSync(path.join(repo, other));
    writeFileSync(path.join(repo, 'stages/mvp/00-first.md'), stage({ id: 'P1-S00', order: 0 }));
    expect(await session.refresh()).toBe(true);
    expect((await session.validate(overlay)).diagnostics).toEqual(await validateOverlay(repo, overlay));

    // Nothing changed since: the refresh says so.
    expect(await session.refresh()).toBe(false);

    // A commit moves HEAD: the history inputs are read again.
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'rename the first stage');
    expect(await session.refresh([])).toBe(true);
    expect((await session.validate(overlay)).diagnostics).toEqual(await validateOverlay(repo, overlay));

    // A configuration written by another process: every document is read again under it.
    const duplicate = new Map([[FILE, overlay.get(FILE)!.replace('id: P1-S01', 'id: P1-S00')]]);
    expect((await session.validate(duplicate)).diagnostics.map((d) => d.ruleId)).toContain('unique-id');
    writeFileSync(path.join(repo, 'stagedocs.config.yaml'), 'rules:\n  unique-id: off\n');
    expect(await session.refresh([])).toBe(true);
    expect(session.config.rules['unique-id']?.severity).toBe('off');
    const off = await validateOverlay(repo, duplicate);
    expect(off.map((d) => d.ruleId)).not.toContain('unique-id');
    expect((await session.validate(duplicate)).diagnostics).toEqual(off);
  });

  // Issue 19: an edit that changes nothing the repository rules read reuses the findings of one of
  // the last full runs (engine/live-reuse.ts); any other edit runs them in full. Either way the
  // answer is validate's for the same text.
  it('reuses the last full runs for edits the cross-file rules do not read, and never an answer the disk no longer gives', async () => {
    const repo = makeRepo({ ...validTree(), 'docs/present.md': '# here\n' });
    const session = await ValidationSession.open({ root: repo, env: GIT_ENV });
    const saved = readFileSync(path.join(repo, FILE), 'utf8');
    const reuse = vi.spyOn(LiveRuns.prototype, 'reuse');
    /** The session's answer, checked against validate's, and whether it reused a kept run. */
    const check = async (text: string) => {
      const overlay = new Map([[FILE, text]]);
      const expected = await validateOverlay(repo, overlay);
      const calls = reuse.mock.results.length;
      expect((await session.validate(overlay)).diagnostics).toEqual(expected);
      const result = reuse.mock.results[calls];
      return { reused: result?.type === 'return' && result.value !== undefined, rules: expected.map((d) => d.ruleId) };
    };
    const linked = `${saved}\nSee [the notes](../../docs/later.md).\n`;
    const cases: Array<{ what: string; text: string; reused: boolean; rules: string[] }> = [
      { what: 'as saved (the first run)', text: saved, reused: false, rules: [] },
      { what: 'the estimate', text: saved.replace('estimate: 2', 'estimate: 3'), reused: true, rules: [] },
      { what: 'over the size limit (a document rule)', text: saved.replace('estimate: 2', 'estimate: 99'), reused: true, rules: ['stage-size'] },
      { what: 'the body text', text: saved.replace('Revert the merge commit.', 'Revert the merge commit, then redeploy.'), reused: true, rules: [] },
      { what: 'a key half typed (schema)', text: saved.replace('estimate: 2', 'estimat: 2'), reused: false, rules: ['frontmatter-schema'] },
      { what: 'back to whole (the run before)', text: saved.replace('estimate: 2', 'estimate: 4'), reused: true, rules: [] },
      { what: 'half typed again (the run before that)', text: saved.replace('estimate: 2', 'estimat: 3'), reused: true, rules: ['frontmatter-schema'] },
      { what: 'a dependency on a missing stage', text: saved.replace('estimate: 2', 'estimate: 2\ndepends_on: [P1-S07]'), reused: false, rules: ['unknown-reference'] },
      { what: 'the id of the other stage', text: saved.replace('id: P1-S01', 'id: P1-S00'), reused: false, rules: expect.arrayContaining(['unique-id']) as unknown as string[] },
      { what: 'a link to a missing file', text: linked, reused: false, rules: ['broken-link'] },
      { what: 'the body beside that link', text: linked.replace('Revert the merge commit.', 'Revert it.'), reused: true, rules: ['broken-link'] },
    ];
    for (const { what, text, reused, rules } of cases) expect(await check(text), what).toEqual({ reused, rules });

    // The link's target written on disk: the kept runs' answer (missing) no longer holds.
    writeFileSync(path.join(repo, 'docs/later.md'), '# later\n');
    await session.refresh(['docs/later.md']);
    expect(await check(linked.replace('Revert the merge commit.', 'Revert it now.'))).toEqual({ reused: false, rules: [] });
    // Another document changed on disk in what the rules read of it: not reused either.
    const other = 'stages/mvp/00-foundation.md';
    writeFileSync(path.join(repo, other), readFileSync(path.join(repo, other), 'utf8').replace('id: P1-S00', 'id: P1-S01'));
    expect(await session.refresh([other])).toBe(true);
    expect(await check(linked)).toEqual({ reused: false, rules: expect.arrayContaining(['unique-id']) });
  });
});
