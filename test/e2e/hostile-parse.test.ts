import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, runCli } from '../helpers/repo.js';
import { stage, validTree } from '../helpers/documents.js';

/**
 * Markdown under the size limit that micromark reads in quadratic time (hostile-input issue): validate
 * and the pre-commit hook refuse it in bounded time, with the file, line, column and construct named.
 * Each of these took remark from 10 s to minutes before the pre-scan (src/parse/hazards.ts).
 */
const BAD = 'stages/mvp/02-bad.md';
/** The body starts on line 17 (frontmatter, title, blank line, `## Objectives`). */
const BODY_LINE = 17;

const CASES: Array<[string, string, RegExp, number, number]> = [
  ['51 KB of `*_`', `${'*_'.repeat(26_000)}\n`, /more than 1000 runs of `\*` or `_` in one paragraph/, BODY_LINE, 1001],
  ['81 KB of alternating text and `=` lines', 'text\n=\n'.repeat(11_600), /more than 100 setext heading underlines/, BODY_LINE + 2 * 100 + 1, 1],
  ['8,000 lines of nested `> - `', Array.from({ length: 8000 }, (_, i) => `${'> - '.repeat(1 + (i % 8))}x`).join('\n'), /more lines \(weighted by their list and quote nesting\) than the 5000/, 0, 1],
  ['60 KB of `[a](`', `${'[a]('.repeat(15_000)}\n`, /more than 1000 `\[` \(link labels\) in one paragraph/, BODY_LINE, 4001],
];

describe('markdown the parser reads in quadratic time', () => {
  it.each(CASES)('%s: validate refuses it in bounded time with a place and the construct', (_name, body, message, line, column) => {
    const dir = makeRepo({ ...validTree(), [BAD]: stage({ id: 'P1-S02', order: 2, body: `## Objectives\n${body}` }) });
    const started = Date.now();
    const result = runCli(dir, ['validate', '--format', 'json', '--no-cache']);
    // Generous on a loaded machine; before the pre-scan each case took 10 s to minutes.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.code).toBe(1);
    const diagnostics = (JSON.parse(result.stdout) as { diagnostics: Array<{ file: string; line: number; column: number; ruleId: string; message: string }> }).diagnostics.filter((d) => d.file === BAD);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.ruleId).toBe('readable-file');
    expect(diagnostics[0]!.message).toMatch(message);
    if (line > 0) expect(diagnostics[0]).toMatchObject({ line, column });
    expect(diagnostics[0]!.message).toContain(`line ${diagnostics[0]!.line}, column ${diagnostics[0]!.column}`);
  }, 60_000);

  it('the pre-commit hook does not stall on them either', () => {
    const dir = makeRepo(validTree());
    for (const [index, [, body]] of CASES.entries()) {
      writeFileSync(path.join(dir, `stages/mvp/0${index + 2}-bad.md`), stage({ id: `P1-S0${index + 2}`, order: index + 2, body: `## Objectives\n${body}` }));
    }
    git(dir, 'add', '-A');
    const started = Date.now();
    const result = runCli(dir, ['hook', 'run']);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toMatch(/02-bad\.md:\d+:\d+.*readable-file|readable-file.*02-bad\.md/s);
  }, 90_000);
});
