import { defaultConfig } from '../../src/model/config.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocumentText } from '../../src/parse/document.js';
import { makeRepo, runCli } from '../helpers/repo.js';

const OWNER = ['--owner', 'ana@example.com'];

/** All files a command wrote under a folder, concatenated with their paths: one reviewable snapshot. */
function concatenated(repo: string, folder: string): string {
  return readdirSync(path.join(repo, folder))
    .sort()
    .map((file) => `<!-- ${folder}/${file} -->\n${readFileSync(path.join(repo, folder, file), 'utf8')}`)
    .join('\n');
}

describe('scaffolds are byte-stable for a fixed clock and owner', () => {
  it.each(['mvp-backend', 'ui-hardening', 'integrations', 'research', 'empty'])('pattern %s', async (pattern) => {
    const outputs = [makeRepo(), makeRepo()].map((repo) => {
      const result = runCli(repo, ['new-phase', 'work', '--pattern', pattern, ...OWNER]);
      expect(result.code).toBe(0);
      return concatenated(repo, 'stages/work');
    });
    expect(outputs[1]).toBe(outputs[0]);
    await expect(outputs[0]).toMatchFileSnapshot(`__snapshots__/scaffold/${pattern}.md`);
  });

  it('new-stage and new-decision', async () => {
    const repo = makeRepo();
    runCli(repo, ['new-phase', 'work', '--pattern', 'empty', ...OWNER]);
    runCli(repo, ['new-stage', 'Importer', '--phase', 'P1', '--gate', 'npm test', '--gate', './scripts/check-import.sh', '--estimate', '3', ...OWNER]);
    runCli(repo, ['new-stage', 'Exporter', '--phase', 'P1', '--gate', 'npm run build', ...OWNER]);
    runCli(repo, ['new-decision', 'Use PostgreSQL', '--stage', 'P1-S00', ...OWNER]);
    runCli(repo, ['new-decision', 'Rerun the import', '--stage', 'P1-S00', '--supersedes', 'D-2026-11-21-001', '--rerun-of', 'P1-S00_20261121T093000Z', ...OWNER]);
    await expect(concatenated(repo, 'stages/work')).toMatchFileSnapshot('__snapshots__/scaffold/new-stage.md');
    await expect(concatenated(repo, 'decisions')).toMatchFileSnapshot('__snapshots__/scaffold/new-decision.md');
  });

  it('init', async () => {
    const repo = makeRepo();
    expect(runCli(repo, ['init', '--yes']).code).toBe(0);
    await expect(readFileSync(path.join(repo, 'stagedocs.config.yaml'), 'utf8')).toMatchFileSnapshot('__snapshots__/scaffold/stagedocs.config.yaml');
  });
});

/** Titles that break naive YAML or markdown: each must come back exactly from frontmatter and heading. */
const TITLES = [
  'Ünïcödé ümlauts — 日本語のテスト 🚀',
  'He said "hi" and \'bye\'',
  'key: value # not a comment',
  'a/b\\c and ../../etc/passwd',
  'use `code` and ``double`` ticks',
  'a | b | c',
  'no',
  'null',
  '1.10',
  'true',
  '~',
  '- not a list',
  '# not a heading',
  '[not](a link) *not* _emphasis_ <b>not html</b> &amp;',
  '{flow: map}, [flow, seq]',
  "'single' & \"double\" quotes: yes",
];

async function parse(file: string, text: string) {
  const { doc, problems } = await parseDocumentText(file, text, { maxBytes: defaultConfig().limits.max_file_bytes });
  expect(problems).toEqual([]);
  return doc;
}

describe('titles round-trip exactly through frontmatter and headings', () => {
  it('stages, phases and decisions', async () => {
    const repo = makeRepo();
    expect(runCli(repo, ['new-phase', 'work', '--pattern', 'empty', '--title', TITLES[0]!, ...OWNER]).code).toBe(0);
    for (const [index, title] of TITLES.entries()) {
      // `--` ends the options, so that a title such as `- not a list` is never read as one.
      const result = runCli(repo, ['new-stage', '--phase', 'P1', '--gate', `echo ${JSON.stringify(title)}`, ...OWNER, '--', title]);
      expect(result.stderr).toBe('');
      const file = /wrote (\S+)/.exec(result.stdout)![1]!;
      expect(path.posix.basename(file)).toMatch(/^\d{2}-[a-z0-9-]+\.md$/);
      const doc = await parse(file, readFileSync(path.join(repo, file), 'utf8'));
      const id = `P1-S${String(index).padStart(2, '0')}`;
      expect(doc.data?.title).toBe(title);
      expect(doc.data?.id).toBe(id);
      expect((doc.data?.gates as Array<{ run: string }>)[0]!.run).toBe(`echo ${JSON.stringify(title)}`);
      expect(doc.sections[0]!.title).toBe(`${id} ${title}`);

      const decision = runCli(repo, ['new-decision', '--stage', id, ...OWNER, '--', title]);
      const decisionFile = /wrote (\S+)/.exec(decision.stdout)![1]!;
      const note = await parse(decisionFile, readFileSync(path.join(repo, decisionFile), 'utf8'));
      expect(note.data?.title).toBe(title);
      expect(note.sections[0]!.title).toBe(`${String(note.data?.decision_tag)} ${title}`);
    }
    const phase = await parse('stages/work/phase.md', readFileSync(path.join(repo, 'stages/work/phase.md'), 'utf8'));
    expect(phase.data?.title).toBe(TITLES[0]);
    expect(phase.sections[0]!.title).toBe(`P1 ${TITLES[0]}`);

    const validate = runCli(repo, ['validate', '--max-warnings', '0']);
    expect(validate.stdout).toContain('no problems');
    expect(validate.code).toBe(0);
  });
});
