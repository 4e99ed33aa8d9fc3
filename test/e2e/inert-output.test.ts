import { describe, expect, it } from 'vitest';
import { gateRepo, gateStage } from '../helpers/gates.js';
import { runCli } from '../helpers/repo.js';

/**
 * Issue 13, item 7: control characters and bidi overrides from titles, owners, file names and gate
 * output reach no terminal raw, whatever the command and format; the built CLI is driven as users do.
 */
const S00 = 'stages/mvp/00-s.md';
/** C0 (ESC, BEL, CR, NUL), DEL, C1 (CSI) and the bidi overrides and isolates. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE_TITLE = String.raw`"Bad \e[31mred\a \u202e rtl \u2066 iso \0 nul \x9b2J \r over"`;

function hostileRepo(): string {
  return gateRepo({
    [S00]: gateStage(`  - id: quick\n    run: "true"`).replace('title: Stage P1-S00', `title: ${HOSTILE_TITLE}`).replace('owner: alice@example.com', String.raw`owner: "al\e]0;pwned\aice"`),
    // A file name that holds ESC, and an unknown key in it so that validate names the file.
    'stages/mvp/01-\u001b[2Jname.md': gateStage(`  - id: quick\n    run: "true"`, { id: 'P1-S01', order: 1, extra: 'depends-on: [P1-S00]\n' }),
  });
}

describe('untrusted text is inert in every human output', () => {
  it('validate in pretty, github and sarif formats shows the characters as escapes, never raw', () => {
    const dir = hostileRepo();
    for (const format of ['pretty', 'github', 'sarif']) {
      const result = runCli(dir, ['validate', '--format', format]);
      expect(result.code, format).toBe(1);
      expect(result.stdout + result.stderr, format).not.toMatch(UNSAFE);
      expect(result.stdout, format).toContain(String.raw`\u001b[31m`);
    }
    const pretty = runCli(dir, ['validate']).stdout;
    expect(pretty).toContain(String.raw`\u202e rtl \u2066 iso \u0000 nul \u009b2J over`);
    expect(pretty).toContain(String.raw`stages/mvp/01-\u001b[2Jname.md`);
  }, 60_000);

  it('json keeps the exact text (the escapes are JSON escapes), so machine readers see what is there', () => {
    const result = runCli(hostileRepo(), ['validate', '--format', 'json']);
    expect(result.stdout).not.toMatch(UNSAFE);
    const messages = (JSON.parse(result.stdout).diagnostics as Array<{ file: string; message: string }>).map((d) => `${d.file} ${d.message}`).join('\n');
    expect(messages).toContain('Bad \u001b[31mred\u0007 \u202e rtl');
    expect(messages).toContain('stages/mvp/01-\u001b[2Jname.md');
  }, 60_000);

  it('the schemas refuse C1 and bidi overrides in titles, not only C0', () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`).replace('title: Stage P1-S00', String.raw`title: "looks fine \u202e txt.exe"`) });
    const diagnostics = JSON.parse(runCli(dir, ['validate', '--format', 'json']).stdout).diagnostics as Array<{ line: number; column: number; message: string; hint: string }>;
    expect(diagnostics).toContainEqual(expect.objectContaining({ line: 4, column: 8, message: expect.stringMatching(/expected text without control characters/), hint: expect.stringMatching(/bidi/) }));
  }, 60_000);

  it('gate output with escape sequences is shown inert by gate run, while our own colours stay', () => {
    const dir = gateRepo({ [S00]: gateStage(String.raw`  - id: noisy` + `\n    run: "printf 'clear\\\\033[2J bell\\\\007 cr\\\\rX'; exit 3"`) });
    const result = runCli(dir, ['gate', 'run', 'P1-S00'], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(String.raw`clear\u001b[2J bell\u0007 cr\u000dX`);
    // The only ESCs left are SGR colour sequences stagedocs wrote.
    expect(result.stdout.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(UNSAFE);
    expect(result.stdout).toMatch(/\u001b\[31m/);
  }, 60_000);

  it('a title with control characters in an error message is shown inert', () => {
    const result = runCli(gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`) }), ['new-stage', 'ok', '--phase', 'P\u001b[31m1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(String.raw`P\u001b[31m1`);
    expect(result.stderr).not.toMatch(UNSAFE);
  }, 60_000);

  it('new-stage refuses a title the schemas would refuse (a bidi override), before writing anything', () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`) });
    const result = runCli(dir, ['new-stage', 'looks fine \u202e txt.exe', '--phase', 'P1', '--gate', 'true', '--owner', 'a@example.com']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The title holds a line break, control character or bidi override');
    expect(result.stdout).toBe('');
  }, 60_000);
});
