import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateRepo, gateStage, readReport, runFolders } from '../helpers/gates.js';
import { git, makeRepo, runCli, tempDir } from '../helpers/repo.js';
import type { Diagnostic } from '../../src/model/diagnostic.js';
import { decision, phase, stage, STAGE_SECTIONS } from '../helpers/documents.js';

/**
 * Issue 13, item 4: every path a stage, freeze file or the configuration names stays inside the
 * repository, in `validate` (rule path-inside-repository) and where `gate run` and `freeze` use it.
 * Real files, real symlinks, real git, the built CLI.
 */
const S00 = 'stages/mvp/00-s.md';
const RUN = 'P1-S00_20261121T093000Z';

/** A diagnostic as `validate --format json` prints it: the library's type, JSON-serialised. */
type JsonDiagnostic = Diagnostic;

function validateJson(repo: string, args: string[] = []): { code: number; diagnostics: JsonDiagnostic[]; errorCount: number; warningCount: number } {
  const result = runCli(repo, ['validate', '--format', 'json', ...args]);
  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout);
  return { code: result.code, ...report };
}

const ofRule = (diagnostics: JsonDiagnostic[]) => diagnostics.filter((d) => d.ruleId === 'path-inside-repository');

/** Every file under a folder, with its content, for "nothing outside was read or written" checks. */
function allText(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name), 'utf8'))
    .join('\n');
}

describe('validate: path fields that leave the repository', () => {
  it('reports every stage path field and frozen input that goes through a symlink out of the repository, at its value', () => {
    const outside = tempDir();
    const gates = [
      '  - id: coverage',
      '    metric: { file: out/coverage.json, path: pct, min: 70 }',
      '  - id: stubs',
      '    type: no-stubs',
      '    include: ["out/**/*.ts", "src/**/*.ts"]',
      '    exclude: ["out/vendor/**"]',
      '    max_rate: 0',
      '  - id: trace',
      '    type: prd-trace',
      '    document: out/prd.md',
      '    include: ["src/**"]',
      '    min_rate: 1',
      '  - id: docs',
      '    type: produces',
      '    files: [out/api.md]',
    ].join('\n');
    const repo = gateRepo(
      { [S00]: gateStage(gates, { extra: 'produces: [out/api.md, docs/real.md]\nprotected: [out/**]\n' }) },
      {
        'freeze/P1-S00.freeze.json': `${JSON.stringify({ stage: 'P1-S00', protocol_version: '1', created_at: '2026-11-21T09:00:00Z', inputs: { 'config/in.yaml': 'a'.repeat(64), 'out/in.yaml': 'b'.repeat(64) } }, null, 2)}\n`,
        'config/in.yaml': 'x: 1\n',
        'src/a.ts': 'export const a = 1;\n',
      },
    );
    symlinkSync(outside, path.join(repo, 'out'));
    const { code, diagnostics } = validateJson(repo);
    expect(code).toBe(1);
    const found = ofRule(diagnostics).map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.message.replace(outside, '<outside>')}`);
    const via = 'which resolves through the symlink `out` to `<outside>`, outside the repository; expected a path inside the repository';
    expect(found).toEqual([
      `freeze/P1-S00.freeze.json:7:5 error Frozen input \`out/in.yaml\` resolves through the symlink \`out\` to \`<outside>\`, outside the repository; expected a path inside the repository`,
      `${S00}:12:21 error Gate \`coverage\` \`metric.file\` is \`out/coverage.json\`, ${via}`,
      `${S00}:15:15 error Gate \`stubs\` \`include[0]\` is \`out/**/*.ts\`, ${via}`,
      `${S00}:16:15 error Gate \`stubs\` \`exclude[0]\` is \`out/vendor/**\`, ${via}`,
      `${S00}:20:15 error Gate \`trace\` \`document\` is \`out/prd.md\`, ${via}`,
      `${S00}:25:13 error Gate \`docs\` \`files[0]\` is \`out/api.md\`, ${via}`,
      `${S00}:26:12 error \`produces[0]\` is \`out/api.md\`, ${via}`,
      `${S00}:27:13 error \`protected[0]\` is \`out/**\`, ${via}`,
    ]);
    expect(readFileSync(path.join(repo, S00), 'utf8').split('\n')[11]).toBe('    metric: { file: out/coverage.json, path: pct, min: 70 }');
  });

  it('reports `..` and absolute paths through the built CLI, and a symlink that stays inside is fine', () => {
    const repo = gateRepo({
      [S00]: gateStage('  - id: m\n    metric: { file: ../m.json, path: pct, min: 1 }\n  - id: n\n    metric: { file: /etc/passwd, path: pct, min: 1 }\n  - id: k\n    metric: { file: inside/m.json, path: pct, min: 1 }'),
      'real/m.json': '{"pct": 5}\n',
    });
    symlinkSync('real', path.join(repo, 'inside'));
    const found = ofRule(validateJson(repo).diagnostics).map((d) => `${d.line}:${d.column} ${d.message}`);
    expect(found).toEqual([
      '12:21 Gate `m` `metric.file` is `../m.json`, which climbs out of the repository with `..`; expected a path inside the repository',
      '14:21 Gate `n` `metric.file` is `/etc/passwd`, which is an absolute path; expected a path inside the repository',
    ]);
  });

  it('follows a dangling symlink: a registry link to a file that does not exist yet is still outside', () => {
    const outside = tempDir();
    const repo = gateRepo({ [S00]: gateStage('  - id: t\n    run: "true"') });
    mkdirSync(path.join(repo, 'gate_results'));
    symlinkSync(path.join(outside, 'not-yet', 'registry.csv'), path.join(repo, 'gate_results/gate_registry.csv'));
    const found = ofRule(validateJson(repo).diagnostics);
    expect(found).toEqual([
      expect.objectContaining({
        file: 'gate_results/gate_registry.csv',
        line: 1,
        column: 1,
        severity: 'error',
        message: `The gate registry \`gate_results/gate_registry.csv\` resolves through the symlink \`gate_results/gate_registry.csv\` to \`${path.join(outside, 'not-yet', 'registry.csv')}\`, outside the repository; expected a file inside the repository`,
      }),
    ]);
  });

  it('reports configured folders that a symlink takes out of the repository, at the symlink', () => {
    const outside = tempDir();
    const repo = gateRepo({ [S00]: gateStage('  - id: t\n    run: "true"') }, { 'stagedocs.config.yaml': 'paths:\n  templates: tpl/templates\n' });
    symlinkSync(outside, path.join(repo, 'gate_results'));
    symlinkSync(outside, path.join(repo, 'tpl'));
    const found = ofRule(validateJson(repo).diagnostics).map((d) => `${d.file}:${d.line}:${d.column} ${d.message.replace(outside, '<outside>')}`);
    expect(found).toEqual([
      'gate_results:1:1 The folder `paths.gate_results` (`gate_results`) resolves through the symlink `gate_results` to `<outside>`, outside the repository; expected a folder inside the repository',
      'tpl:1:1 The folder `paths.templates` (`tpl/templates`) resolves through the symlink `tpl` to `<outside>`, outside the repository; expected a folder inside the repository',
    ]);
  });

  it('does not read documents of a stages folder that is a symlink out of the repository', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'phase.md'), '---\nnot: [valid\n---\n');
    const repo = makeRepo({ 'decisions/D-2026-11-21-001.md': decision() });
    symlinkSync(outside, path.join(repo, 'stages'));
    const { diagnostics } = validateJson(repo);
    expect(diagnostics.map((d) => `${d.file} ${d.ruleId}`)).toEqual(['stages path-inside-repository']);
  });
});

describe('validate: symlinked documents', () => {
  it('warns about a link inside (read through it), errs on a link outside (not read) and on a dangling one', () => {
    const outside = tempDir();
    // Broken frontmatter outside: were it read, frontmatter-syntax would report it.
    writeFileSync(path.join(outside, 'stage.md'), '---\nid: [broken\n---\n');
    const repo = gateRepo({
      [S00]: gateStage('  - id: t\n    run: "true"'),
      'shared/01-shared.md': stage({ id: 'P1-S01', order: 1, body: STAGE_SECTIONS }),
    });
    symlinkSync('../../shared/01-shared.md', path.join(repo, 'stages/mvp/01-linked.md'));
    symlinkSync(path.join(outside, 'stage.md'), path.join(repo, 'stages/mvp/02-outside.md'));
    symlinkSync('nothing-here.md', path.join(repo, 'stages/mvp/03-dangling.md'));
    // A link to a file that could not be a document is none of validation's business.
    symlinkSync(path.join(outside, 'stage.md'), path.join(repo, 'stages/mvp/notes.txt'));
    const { code, diagnostics, errorCount, warningCount } = validateJson(repo);
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId} ${d.severity} ${d.message.replace(outside, '<outside>')}`)).toEqual([
      'stages/mvp/01-linked.md:1:1 path-inside-repository warning The document `stages/mvp/01-linked.md` is a symlink inside the repository; it was read through the link',
      'stages/mvp/02-outside.md:1:1 path-inside-repository error The document `stages/mvp/02-outside.md` is a symlink that resolves through the symlink `stages/mvp/02-outside.md` to `<outside>/stage.md`, outside the repository; it was not read, expected a file inside the repository',
      'stages/mvp/03-dangling.md:1:1 path-inside-repository error The document `stages/mvp/03-dangling.md` is a symlink to nothing; expected a document',
    ]);
    expect([code, errorCount, warningCount]).toEqual([1, 2, 1]);
  });

  it('reads a linked document for the cross-file rules, and a warning alone exits 0', () => {
    const repo = gateRepo({ 'shared/00-s.md': stage({ id: 'P1-S00', order: 0, body: STAGE_SECTIONS }) });
    symlinkSync('../../shared/00-s.md', path.join(repo, 'stages/mvp/00-s.md'));
    const status = runCli(repo, ['status', '--format', 'json']);
    expect(status.stdout).toContain('P1-S00');
    const { code, diagnostics } = validateJson(repo);
    expect(diagnostics.map((d) => [d.file, d.severity])).toEqual([['stages/mvp/00-s.md', 'warning']]);
    expect(code).toBe(0);
  });

  it('walks a linked folder inside once, and a link to an ancestor folder does not loop', () => {
    const repo = gateRepo({ [S00]: gateStage('  - id: t\n    run: "true"'), 'more/01-more.md': stage({ id: 'P1-S01', order: 1, body: STAGE_SECTIONS }) });
    symlinkSync('../../more', path.join(repo, 'stages/mvp/more'));
    symlinkSync('..', path.join(repo, 'stages/mvp/loop'));
    const { diagnostics } = validateJson(repo);
    expect(diagnostics.map((d) => `${d.file} ${d.severity} ${d.message}`)).toEqual([
      'stages/mvp/loop warning The folder of documents `stages/mvp/loop` is a symlink inside the repository; it was read through the link',
      'stages/mvp/more warning The folder of documents `stages/mvp/more` is a symlink inside the repository; it was read through the link',
    ]);
  });

  it('the validate cache never hides a link added or retargeted after a cached run', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'm.json'), '{"pct": 99}\n');
    const repo = gateRepo({ [S00]: gateStage('  - id: m\n    metric: { file: data/m.json, path: pct, min: 1 }'), 'real/m.json': '{"pct": 5}\n' });
    expect(validateJson(repo).code).toBe(0);
    expect(validateJson(repo).code).toBe(0); // warm
    symlinkSync('real', path.join(repo, 'data'));
    expect(ofRule(validateJson(repo).diagnostics)).toEqual([]);
    unlinkSync(path.join(repo, 'data'));
    symlinkSync(outside, path.join(repo, 'data'));
    expect(ofRule(validateJson(repo).diagnostics).map((d) => d.line)).toEqual([12]);
    // A document link that is never read changes no document stamp, and must still be seen.
    symlinkSync(path.join(outside, 'm.json'), path.join(repo, 'stages/mvp/09-new.md'));
    expect(ofRule(validateJson(repo).diagnostics).map((d) => d.file)).toEqual([S00, 'stages/mvp/09-new.md']);
  });
});

describe('gate run: nothing outside the repository is read', () => {
  const MARKER = 'outside-marker-7f3a';

  it('a metric file outside with a passing value fails the gate, by `..`, absolute path or symlink, and its content stays out of the evidence', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'm.json'), `{"pct": 99, "note": "${MARKER}"}\n`);
    writeFileSync(path.join(outside, 'bad.json'), `${MARKER} not json`);
    const repo = gateRepo({ [S00]: gateStage('  - id: t\n    run: "true"') });
    const relative = path.relative(repo, path.join(outside, 'm.json'));
    const gates = [
      `  - id: parent\n    metric: { file: ${JSON.stringify(relative)}, path: pct, min: 70 }`,
      `  - id: absolute\n    metric: { file: ${JSON.stringify(path.join(outside, 'bad.json'))}, path: pct, min: 70 }`,
      '  - id: linked\n    metric: { file: out/m.json, path: pct, min: 70 }',
    ].join('\n');
    writeFileSync(path.join(repo, S00), gateStage(gates));
    symlinkSync(outside, path.join(repo, 'out'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'gates outside');
    const result = runCli(repo, ['gate', 'run', 'P1-S00']);
    expect(result.code).toBe(1);
    const report = readReport(repo, RUN);
    expect(report.overall_pass).toBe(false);
    expect(report.gates.map((gate: { id: string; outcome: string; summary: string }) => [gate.id, gate.outcome, gate.summary.replace(outside, '<outside>')])).toEqual([
      ['parent', 'fail', `metric file \`${relative.replace(outside, '<outside>')}\` climbs out of the repository with \`..\`, expected a path inside the repository; nothing outside it was read`],
      ['absolute', 'fail', 'metric file `<outside>/bad.json` is an absolute path, expected a path inside the repository; nothing outside it was read'],
      ['linked', 'fail', 'metric file `out/m.json` resolves through the symlink `out` to `<outside>`, outside the repository, expected a path inside the repository; nothing outside it was read'],
    ]);
    expect(allText(path.join(repo, 'gate_results'))).not.toContain(MARKER);
    expect(result.stdout + result.stderr).not.toContain(MARKER);
  }, 60_000);

  it('a no-stubs glob never scans a file that a symlink takes outside: a linked file is not followed, a glob through a linked folder fails', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'secret.ts'), `// TODO ${MARKER}\n`);
    const repo = gateRepo({
      [S00]: gateStage('  - id: stubs\n    type: no-stubs\n    include: ["src/**/*.ts"]\n    max_rate: 0\n  - id: linked\n    type: no-stubs\n    include: ["src/vendor/*.ts"]\n    max_rate: 1'),
      'src/a.ts': 'export const a = 1;\n',
    });
    symlinkSync(path.join(outside, 'secret.ts'), path.join(repo, 'src/evil.ts'));
    symlinkSync(outside, path.join(repo, 'src/vendor'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'link');
    const result = runCli(repo, ['gate', 'run', 'P1-S00']);
    expect(result.code).toBe(1);
    const [stubs, linked] = readReport(repo, RUN).gates;
    // The TODO outside would fail max_rate 0 had it been scanned.
    expect(stubs).toMatchObject({ outcome: 'pass', details: { scanned: 1, with_stubs: 0 } });
    expect(linked).toMatchObject({ outcome: 'fail', details: { outside_repository: ['src/vendor/*.ts'] } });
    expect(linked.summary.replace(outside, '<outside>')).toBe(
      'include `src/vendor/*.ts` resolves through the symlink `src/vendor` to `<outside>`, outside the repository, expected a path inside the repository; nothing outside it was read',
    );
    expect(allText(path.join(repo, 'gate_results'))).not.toContain(MARKER);
  }, 60_000);

  it('a prd-trace document and a produces file behind a symlink out of the repository fail', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'prd.md'), `REQ-1 ${MARKER}\n`);
    writeFileSync(path.join(outside, 'api.md'), 'api\n');
    const repo = gateRepo({
      [S00]: gateStage('  - id: trace\n    type: prd-trace\n    document: ext/prd.md\n    include: ["src/**"]\n    min_rate: 0\n  - id: docs\n    type: produces\n    files: [ext/api.md, "ext/*.md"]', { extra: '' }),
      'src/a.ts': '// REQ-1\n',
    });
    symlinkSync(outside, path.join(repo, 'ext'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'link');
    expect(runCli(repo, ['gate', 'run', 'P1-S00']).code).toBe(1);
    const gates = readReport(repo, RUN).gates as Array<{ id: string; outcome: string; summary: string }>;
    expect(gates.map((gate) => [gate.id, gate.outcome, gate.summary.replace(outside, '<outside>')])).toEqual([
      ['trace', 'fail', 'requirements document `ext/prd.md` resolves through the symlink `ext` to `<outside>`, outside the repository, expected a path inside the repository; nothing outside it was read'],
      ['docs', 'fail', 'files `ext/api.md` resolves through the symlink `ext` to `<outside>`, outside the repository, expected a path inside the repository; nothing outside it was read'],
    ]);
    expect(allText(path.join(repo, 'gate_results'))).not.toContain(MARKER);
  }, 60_000);

  it('a produces glob inside the repository does not count a match that a symlink takes outside', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'api.md'), 'api\n');
    const repo = gateRepo({ [S00]: gateStage('  - id: docs\n    type: produces\n    files: ["docs/*.md"]') });
    mkdirSync(path.join(repo, 'docs'));
    symlinkSync(path.join(outside, 'api.md'), path.join(repo, 'docs/api.md'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'link');
    expect(runCli(repo, ['gate', 'run', 'P1-S00']).code).toBe(1);
    expect(readReport(repo, RUN).gates[0]).toMatchObject({ outcome: 'fail', details: { missing: ['docs/*.md'] } });
  }, 60_000);
});

describe('gate run and registry: no evidence is written outside the repository', () => {
  it('a gate_results folder that is a symlink out of the repository: exit 2, nothing written, no gate ran', () => {
    const outside = tempDir();
    const repo = gateRepo({ [S00]: gateStage('  - id: t\n    run: "touch ran.txt"') });
    symlinkSync(outside, path.join(repo, 'gate_results'));
    const result = runCli(repo, ['gate', 'run', 'P1-S00']);
    expect(result.code).toBe(2);
    expect(result.stderr.replace(outside, '<outside>')).toContain(
      'error `gate_results` resolves through the symlink `gate_results` to `<outside>`, outside the repository: stagedocs writes gate evidence only inside the repository; nothing was written',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(repo, 'ran.txt'))).toBe(false);
  }, 60_000);

  it('a registry file that is a dangling symlink out of the repository: exit 2, its target is never created', () => {
    const outside = tempDir();
    const repo = gateRepo({ [S00]: gateStage('  - id: t\n    run: "true"') });
    mkdirSync(path.join(repo, 'gate_results'));
    symlinkSync(path.join(outside, 'registry.csv'), path.join(repo, 'gate_results/gate_registry.csv'));
    const result = runCli(repo, ['gate', 'run', 'P1-S00']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('`gate_results/gate_registry.csv` resolves through the symlink `gate_results/gate_registry.csv`');
    expect(runFolders(repo)).toEqual([]);
    const rebuilt = runCli(repo, ['registry']);
    expect(rebuilt.code).toBe(2);
    expect(readdirSync(outside)).toEqual([]);
  }, 60_000);
});

describe('freeze: inputs stay inside the repository', () => {
  it('`freeze --input` refuses `..`, absolute and symlinked inputs with exit 2 and writes nothing', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'in.yaml'), 'x: 1\n');
    const repo = gateRepo({ [S00]: gateStage('  - id: t\n    run: "true"'), 'config/ok.yaml': 'y: 2\n' });
    symlinkSync(outside, path.join(repo, 'ext'));
    for (const input of [path.relative(repo, path.join(outside, 'in.yaml')), path.join(outside, '*.yaml'), 'ext/in.yaml', 'ext/*.yaml']) {
      const result = runCli(repo, ['freeze', 'P1-S00', '--input', 'config/ok.yaml', '--input', input]);
      expect(result.code, input).toBe(2);
      expect(result.stderr, input).toMatch(/error Input `.*` (climbs out of the repository|is an absolute path|resolves through the symlink `ext`).*nothing was written/);
      expect(existsSync(path.join(repo, 'freeze/P1-S00.freeze.json'))).toBe(false);
    }
  }, 60_000);

  it('a freeze folder that is a symlink out of the repository: exit 2, no freeze file written there', () => {
    const outside = tempDir();
    const repo = gateRepo({ [S00]: gateStage('  - id: t\n    run: "true"'), 'data/in.yaml': 'x: 1\n' });
    symlinkSync(outside, path.join(repo, 'freeze'));
    const result = runCli(repo, ['freeze', 'P1-S00', '--input', 'data/in.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr.replace(outside, '<outside>')).toContain(
      'error `freeze/P1-S00.freeze.json` resolves through the symlink `freeze` to `<outside>`, outside the repository: a freeze file is written only inside the repository; nothing was written',
    );
    expect(readdirSync(outside)).toEqual([]);
  }, 60_000);

  it('a frozen input that a symlink takes outside refuses the gate run', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'in.yaml'), 'x: 1\n');
    const repo = gateRepo({ [S00]: gateStage('  - id: t\n    run: "true"'), 'data/in.yaml': 'x: 1\n' });
    expect(runCli(repo, ['freeze', 'P1-S00', '--input', 'data/in.yaml']).code).toBe(0);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'freeze');
    rmSync(path.join(repo, 'data'), { recursive: true });
    symlinkSync(outside, path.join(repo, 'data'));
    const result = runCli(repo, ['gate', 'run', 'P1-S00']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('data/in.yaml (outside the repository, not read)');
    expect(runFolders(repo)).toEqual([]);
  }, 60_000);
});

describe('phase documents', () => {
  it('a phase.md that is a symlink out of the repository is an error and is not read', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'phase.md'), phase({ id: 'PX' }));
    const repo = makeRepo({ 'stages/mvp/00-s.md': stage({ body: STAGE_SECTIONS }) });
    symlinkSync(path.join(outside, 'phase.md'), path.join(repo, 'stages/mvp/phase.md'));
    const { diagnostics } = validateJson(repo);
    expect(ofRule(diagnostics).map((d) => [d.file, d.severity])).toEqual([['stages/mvp/phase.md', 'error']]);
    // Not read: the stage's phase P1 is unknown rather than satisfied by the outside PX.
    expect(diagnostics.some((d) => d.ruleId === 'unknown-reference')).toBe(true);
  });
});
