import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, runCli, tempDir, type CliResult, type Tree } from '../helpers/repo.js';
import { decision, stage, validTree } from '../helpers/documents.js';

/** RELIABILITY.md: malformed input of every kind gets a clear message with a place, and never a stack trace. */

interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  ruleId: string;
  severity: string;
  message: string;
  hint?: string;
}

const BAD = 'stages/mvp/02-bad.md';

function expectNoStackTrace(result: CliResult): void {
  const output = `${result.stdout}\n${result.stderr}`;
  expect(output).not.toMatch(/^\s+at .+[(:]\d+/m);
  expect(output).not.toContain('internal error');
}

/** Validates a valid repository plus one extra file, through the built CLI, and returns its diagnostics. */
function validateWith(extra: Tree): { result: CliResult; diagnostics: JsonDiagnostic[] } {
  const result = runCli(makeRepo({ ...validTree(), ...extra }), ['validate', '--format', 'json', '--no-cache']);
  expectNoStackTrace(result);
  const report = JSON.parse(result.stdout) as { diagnostics: JsonDiagnostic[] };
  return { result, diagnostics: report.diagnostics };
}

function only(diagnostics: JsonDiagnostic[], file = BAD): Array<Pick<JsonDiagnostic, 'line' | 'column' | 'ruleId' | 'severity' | 'message'>> {
  return diagnostics.filter((d) => d.file === file).map(({ line, column, ruleId, severity, message }) => ({ line, column, ruleId, severity, message }));
}

const badStage = (options: Parameters<typeof stage>[0] = {}) => stage({ id: 'P1-S02', order: 2, ...options });

describe('malformed documents through the built CLI', () => {
  it('broken YAML: frontmatter-syntax at the line and column of the error', () => {
    const { result, diagnostics } = validateWith({ [BAD]: badStage({ extra: 'depends_on: [P1-S01\n' }) });
    expect(result.code).toBe(1);
    expect(only(diagnostics)).toEqual([
      { line: 13, column: 20, ruleId: 'frontmatter-syntax', severity: 'error', message: 'Flow sequence in block collection must be sufficiently indented and end with a ]' },
    ]);
  });

  it('duplicate keys: named, at the repeated key', () => {
    const { result, diagnostics } = validateWith({ [BAD]: badStage({ extra: 'status: done\n' }) });
    expect(result.code).toBe(1);
    expect(only(diagnostics)).toEqual([{ line: 13, column: 1, ruleId: 'frontmatter-syntax', severity: 'error', message: 'Duplicate key `status`, expected each key once' }]);
  });

  it('an alias bomb (yaml throws a ReferenceError) is a syntax error, not a crash', () => {
    const bomb = ['x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
      .concat(['b', 'c', 'd', 'e', 'f', 'g'].map((name, i) => `x-${name}: &${name} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`))
      .join('\n');
    const { result, diagnostics } = validateWith({ [BAD]: badStage({ extra: `${bomb}\n` }) });
    expect(result.code).toBe(1);
    expect(only(diagnostics)).toEqual([
      expect.objectContaining({ line: 2, column: 1, ruleId: 'frontmatter-syntax', message: expect.stringContaining('Excessive alias count') }),
    ]);
  });

  it('an unknown tag such as !!js/function is an error, not a silent string', () => {
    const { result, diagnostics } = validateWith({ [BAD]: badStage({ extra: 'x-run: !!js/function "function () { return 1 }"\n' }) });
    expect(result.code).toBe(1);
    expect(only(diagnostics)).toEqual([
      { line: 13, column: 8, ruleId: 'frontmatter-syntax', severity: 'error', message: 'Unknown tag `!!js/function`, expected plain YAML without tags' },
    ]);
  });

  it.each([
    ['id: 1.10', (text: string) => text.replace('id: P1-S02', 'id: 1.10'), 2, 5, '`id` is the number `1.1` (written `1.10`), expected a string', '`"1.10"`'],
    ['decision: 12e4567', (text: string) => text.replace('---\n#', 'decision: 12e4567\n---\n#'), 13, 11, '`decision` is the number `Infinity` (written `12e4567`), expected a string', '`"12e4567"`'],
    ['owner: 0755', (text: string) => text.replace('owner: alice@example.com', 'owner: 0755'), 8, 8, '`owner` is the integer `755` (written `0755`), expected a string', '`"0755"`'],
  ])('a YAML coercion (%s) shows what was written and says to quote the value', (_name, edit, line, column, message, quoted) => {
    const { result, diagnostics } = validateWith({ [BAD]: edit(badStage()) });
    expect(result.code).toBe(1);
    const found = diagnostics.filter((d) => d.file === BAD);
    expect(found).toEqual([expect.objectContaining({ line, column, ruleId: 'frontmatter-schema', message })]);
    expect(found[0]!.hint).toContain(`Quote the value (${quoted})`);
  });

  it('an unquoted date stays the string it looks like (YAML 1.2), so a decision note with `date: 2026-11-21` is valid', () => {
    const note = decision().replace('date: "2026-11-21"', 'date: 2026-11-21');
    const { result, diagnostics } = validateWith({ 'decisions/D-2026-11-21-001.md': note });
    expect(diagnostics).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('a missing closing --- is an error, not "no frontmatter"', () => {
    const { diagnostics } = validateWith({ [BAD]: badStage().replace('---\n# P1-S02', '# P1-S02') });
    expect(only(diagnostics)).toEqual([
      expect.objectContaining({ line: 1, column: 1, ruleId: 'frontmatter-syntax', message: expect.stringContaining('never closed') }),
    ]);
  });

  it('a blank line before the opening --- is reported where the block starts', () => {
    const { diagnostics } = validateWith({ [BAD]: `\n${badStage()}` });
    expect(only(diagnostics)).toEqual([
      expect.objectContaining({ line: 2, column: 1, ruleId: 'frontmatter-syntax', message: expect.stringContaining('Frontmatter starts on line 2') }),
    ]);
  });

  it.each([
    ['a list', '---\n- id: P1-S02\n- kind: stage\n---\n# x\n', 'Frontmatter is a list, expected a mapping of keys to values'],
    ['a scalar', '---\njust words\n---\n# x\n', 'Frontmatter is a string, expected a mapping of keys to values'],
  ])('frontmatter that is %s is reported on its first line', (_name, text, message) => {
    const { diagnostics } = validateWith({ [BAD]: text });
    expect(only(diagnostics)).toEqual([{ line: 2, column: 1, ruleId: 'frontmatter-syntax', severity: 'error', message }]);
  });

  it('BOM and CRLF give exactly the diagnostics of LF: same rules, lines, columns and messages', () => {
    // One document that trips many rules: schema, sections, vague criteria, links, stubs, size.
    const text = stage({
      id: 'P1-S02',
      order: 2,
      status: 'done',
      extra: 'x-note: "quoted: value"\nestimate-hours: 3\n',
      body: '## Objectives\n- Ship.\n\n## Acceptance Criteria\n- Tests pass.\n- See [spec](../../docs/missing.md).\n\n## Rollback Plan\n<!-- TODO -->\n\nTBD\n',
    });
    const lf = validateWith({ [BAD]: text }).diagnostics;
    const crlf = validateWith({ [BAD]: text.replace(/\n/g, '\r\n') }).diagnostics;
    const bomCrlf = validateWith({ [BAD]: `\uFEFF${text.replace(/\n/g, '\r\n')}` }).diagnostics;
    const bomLf = validateWith({ [BAD]: `\uFEFF${text}` }).diagnostics;
    expect(lf.length).toBeGreaterThan(0);
    expect(crlf).toEqual(lf);
    expect(bomCrlf).toEqual(lf);
    expect(bomLf).toEqual(lf);

    const body = text.replace('estimate-hours: 3\n', '');
    const lfBody = validateWith({ [BAD]: body }).diagnostics;
    // The stage is `done` with no gate run in the repository, so the evidence rule reports it as well.
    expect(new Set(lfBody.map((d) => d.ruleId))).toEqual(
      new Set(['required-sections', 'objective-gate', 'broken-link', 'no-stubs-when-done', 'linear-progression', 'done-needs-passing-run']),
    );
    expect(validateWith({ [BAD]: `\uFEFF${body.replace(/\n/g, '\r\n')}` }).diagnostics).toEqual(lfBody);
  });

  it('a binary file is reported by readable-file', () => {
    const { diagnostics } = validateWith({ [BAD]: Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0x00, 0x01, 0xff, 0x00, 0x0a]) });
    expect(only(diagnostics)).toEqual([
      { line: 1, column: 1, ruleId: 'readable-file', severity: 'error', message: 'Cannot read as a document: the file is binary (it contains NUL bytes)' },
    ]);
  });

  it('invalid UTF-8 is reported by readable-file, not decoded into replacement characters', () => {
    const bytes = Buffer.concat([Buffer.from(badStage().slice(0, 40)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\n')]);
    const { diagnostics } = validateWith({ [BAD]: bytes });
    expect(only(diagnostics)).toEqual([{ line: 1, column: 1, ruleId: 'readable-file', severity: 'error', message: 'Cannot read as a document: the file is not valid UTF-8 text' }]);
  });

  it('an oversized file is refused before parsing, with the limit in the message', () => {
    const huge = badStage({ body: `## Objectives\n${'A line of objectives that goes on.\n'.repeat(32_000)}` });
    const { diagnostics } = validateWith({ [BAD]: huge });
    expect(only(diagnostics)).toEqual([
      expect.objectContaining({ line: 1, column: 1, ruleId: 'readable-file', message: `Cannot read as a document: the file is ${Buffer.byteLength(huge)} bytes, above the limit of 1048576` }),
    ]);
  });

  it.each([
    // The body starts on line 17 (frontmatter, title, blank line, `## Objectives`).
    ['16 KB of `* `', '* '.repeat(8192), 17],
    ['40,000 `> `', '> '.repeat(40_000), 17],
    // 64 levels of 2 columns fit in 128 columns; the 65th line does not.
    ['lists nested by indentation 1,000 deep', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(2 * i)}- x`).join('\n'), 17 + 64],
  ])('pathological nesting (%s) is reported by readable-file instead of reaching the markdown parser', (_name, body, line) => {
    const { diagnostics } = validateWith({ [BAD]: badStage({ body: `## Objectives\n${body}\n` }) });
    expect(only(diagnostics)).toEqual([
      {
        line,
        column: 1,
        ruleId: 'readable-file',
        severity: 'error',
        message: `Cannot read as a document: line ${line} nests lists or quotes too deep, expected at most 32 levels`,
      },
    ]);
  });

  it('frontmatter nested deep enough to exhaust the stack is a syntax error, not a crash', () => {
    const { result, diagnostics } = validateWith({ [BAD]: badStage({ extra: `x-deep: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n` }) });
    expect(result.code).toBe(1);
    // Where the parser gives up depends on the stack size, so only the line is fixed.
    expect(only(diagnostics)).toEqual([
      expect.objectContaining({ line: 13, ruleId: 'frontmatter-syntax', message: 'YAML nests too deep to read, expected a few levels of keys and lists' }),
    ]);
  });

  it('a link that escapes the repository is reported by broken-link', () => {
    const body = stage({ id: 'P1-S02', order: 2 }).replace('## Rollback Plan\n', '## Rollback Plan\nSee [notes](../../../outside/notes.md).\n');
    const { result, diagnostics } = validateWith({ [BAD]: body });
    expect(result.code).toBe(1);
    expect(only(diagnostics)).toEqual([
      { line: 29, column: 5, ruleId: 'broken-link', severity: 'error', message: 'Link `../../../outside/notes.md` leaves the repository, expected a path inside it' },
    ]);
  });
});

describe('bad command lines and configurations through the built CLI', () => {
  it('refuses `validate <path outside the repository>` with exit 2', () => {
    const repo = makeRepo(validTree());
    for (const outside of [tempDir(), '..', '../../etc/passwd']) {
      const result = runCli(repo, ['validate', outside]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('is outside the repository');
      expectNoStackTrace(result);
    }
  });

  it('an unreadable configuration exits 2 naming the file', () => {
    const repo = makeRepo(validTree());
    mkdirSync(path.join(repo, 'stagedocs.config.yaml'));
    const result = runCli(repo, ['validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error stagedocs.config.yaml:1:1: cannot read the configuration');
    expectNoStackTrace(result);
  });

  it.each([
    ['broken YAML', 'rules:\n  stage-size: [warn\n', 'stagedocs.config.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a value out of range', 'limits:\n  max_file_bytes: 10\n', 'stagedocs.config.yaml:2:19: `limits.max_file_bytes` is `10`, expected >= 1024'],
    ['a bad severity', 'rules:\n  stage-size: loud\n', 'stagedocs.config.yaml:2:15: `rules.stage-size` is `loud`, expected one of `off`, `warn`, `error`'],
    ['an unknown key', 'kinds:\n  stage:\n    required_section: [Goal]\n', 'stagedocs.config.yaml:3:5: Unknown key `required_section` in `kinds.stage`'],
    ['a duplicate key', 'paths:\n  stages: a\n  stages: b\n', 'stagedocs.config.yaml:3:3: Duplicate key `stages`'],
    ['a list instead of a mapping', '- stages\n', 'stagedocs.config.yaml:1:1: the configuration must be a mapping'],
    // Configured folders are read and written: they may not leave the repository.
    ['paths.stages outside', 'paths:\n  stages: ../elsewhere\n', 'stagedocs.config.yaml:2:11: `paths.stages` is `../elsewhere`, expected a folder inside the repository'],
    ['an absolute path', 'paths:\n  gate_results: /tmp/results\n', 'stagedocs.config.yaml:2:17: `paths.gate_results` is `/tmp/results`, expected a folder inside the repository'],
    ['a path that climbs out', 'paths:\n  templates: "sub/../../up"\n', 'stagedocs.config.yaml:2:14: `paths.templates` is `sub/../../up`, expected a folder inside the repository'],
    // A misspelt rule id or option would otherwise silently leave the rule at its defaults.
    ['an unknown rule id', 'rules:\n  stage-size: warn\n  linear-progresion: off\n', 'stagedocs.config.yaml:3:3: Unknown rule `linear-progresion` in `rules`\n  hint: Did you mean `linear-progression`?'],
    ['a rule id with no close match', 'rules:\n  spelling: off\n', 'stagedocs.config.yaml:2:3: Unknown rule `spelling` in `rules`\n  hint: Rules are: `readable-file`, `frontmatter-syntax`'],
    ['a misspelt option', 'rules:\n  stage-size: { severity: error, max_hour: 2 }\n', 'stagedocs.config.yaml:2:34: Unknown key `max_hour` (rule `stage-size`)\n  hint: Did you mean `max_hours`?'],
    ['a mistyped option', 'rules:\n  stage-size:\n    max_hours: lots\n', 'stagedocs.config.yaml:3:16: `max_hours` is the string `lots`, expected a number (rule `stage-size`)\n  hint: Write `max_hours` as a number.'],
    ['an option a rule does not take', 'rules:\n  unique-id: { severity: warn, strict: true }\n', 'stagedocs.config.yaml:2:32: Unknown key `strict` (rule `unique-id`)\n  hint: `unique-id` takes only `severity`.'],
  ])('an invalid configuration (%s) exits 2 naming file, line and key', (_name, text, message) => {
    const result = runCli(makeRepo({ ...validTree(), 'stagedocs.config.yaml': text }), ['validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error ${message}`);
    expect(result.stdout).toBe('');
    expectNoStackTrace(result);
  });

  it('a valid configuration with rule severities and options is applied', () => {
    const tree = { ...validTree(), 'stagedocs.config.yaml': 'rules:\n  stage-size: { severity: error, max_hours: 1 }\n' };
    const result = runCli(makeRepo(tree), ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { diagnostics: JsonDiagnostic[] };
    expect(new Set(report.diagnostics.map((d) => `${d.ruleId}:${d.severity}`))).toEqual(new Set(['stage-size:error']));
  });
});
