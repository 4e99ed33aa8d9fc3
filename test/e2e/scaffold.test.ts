import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, runCli, tempDir } from '../helpers/repo.js';

const PATTERNS = ['mvp-backend', 'ui-hardening', 'integrations', 'research', 'empty'];
const OWNER = ['--owner', 'ana@example.com'];

/** Every file under a folder (relative paths, sorted), skipping .git. */
function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      if (entry.name === '.git') return [];
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join('/')];
    })
    .sort();
}

function snapshotOf(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]));
}

describe('scaffolding as a new user would, in an empty git repository', () => {
  it('init, new-phase for each pattern, new-stage, new-decision, then validate passes with no problems', () => {
    const repo = makeRepo();
    const init = runCli(repo, ['init', '--yes']);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote stagedocs.config.yaml');

    const ids: string[] = [];
    for (const pattern of PATTERNS) {
      const result = runCli(repo, ['new-phase', pattern, '--pattern', pattern, ...OWNER]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`wrote stages/${pattern}/phase.md`);
      expect(result.stdout).toContain('Next:');
      ids.push(/Phase (P\d+)/.exec(result.stdout)![1]!);
      if (pattern === 'research') expect(result.stdout).toContain("stagedocs freeze P4-S00 --input 'config/**'\n  stagedocs gate run P4-S00");
    }
    expect(ids).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
    expect(readdirSync(path.join(repo, 'stages/mvp-backend')).filter((f) => f !== 'phase.md')).toHaveLength(11);
    expect(readdirSync(path.join(repo, 'stages/research')).filter((f) => f !== 'phase.md')).toHaveLength(5);
    expect(readdirSync(path.join(repo, 'stages/empty'))).toEqual(['phase.md']);

    const first = runCli(repo, ['new-stage', 'Importer', '--phase', 'P5', '--gate', 'npm test', '--estimate', '2', ...OWNER]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('wrote stages/empty/00-importer.md');
    const second = runCli(repo, ['new-stage', 'Exporter', '--phase', 'P5', '--gate', 'npm run build', '--gate', './scripts/check.sh', ...OWNER]);
    expect(second.stdout).toContain('wrote stages/empty/01-exporter.md');
    const exporter = readFileSync(path.join(repo, 'stages/empty/01-exporter.md'), 'utf8');
    expect(exporter).toContain('id: "P5-S01"');
    expect(exporter).toContain('order: 1');
    expect(exporter).toContain('depends_on: ["P5-S00"]');
    expect(exporter).toContain('run: "./scripts/check.sh"');

    const appended = runCli(repo, ['new-stage', 'Extra checks', '--phase', 'P1', '--gate', 'npm test', ...OWNER]);
    expect(appended.stdout).toContain('wrote stages/mvp-backend/11-extra-checks.md');
    expect(readFileSync(path.join(repo, 'stages/mvp-backend/11-extra-checks.md'), 'utf8')).toContain('depends_on: ["P1-S10"]');

    const decision = runCli(repo, ['new-decision', 'Use PostgreSQL', '--stage', 'P1-S02', ...OWNER]);
    expect(decision.code).toBe(0);
    expect(decision.stdout).toContain('wrote decisions/D-2026-11-21-001.md');
    const again = runCli(repo, ['new-decision', 'Use Redis for the queue', '--stage', 'P1-S05', '--supersedes', 'D-2026-11-21-001', ...OWNER]);
    expect(again.stdout).toContain('wrote decisions/D-2026-11-21-002.md');

    const validate = runCli(repo, ['validate', '--max-warnings', '0']);
    expect(validate.stdout).toContain('no problems');
    expect(validate.code).toBe(0);
  });

  it('defaults the owner to git config user.email', () => {
    const repo = makeRepo();
    git(repo, 'config', 'user.email', 'bo@example.com');
    expect(runCli(repo, ['new-phase', 'mvp', '--pattern', 'empty']).code).toBe(0);
    expect(runCli(repo, ['new-stage', 'First', '--phase', 'P1', '--gate', 'true']).code).toBe(0);
    expect(readFileSync(path.join(repo, 'stages/mvp/00-first.md'), 'utf8')).toContain('owner: "bo@example.com"');
  });

  it('says which flag is missing when it cannot ask (no terminal)', () => {
    const repo = makeRepo();
    const noOwner = runCli(repo, ['new-phase', 'mvp', '--pattern', 'empty']);
    expect(noOwner.code).toBe(2);
    expect(noOwner.stderr).toContain('--owner');
    expect(runCli(repo, ['new-phase', 'mvp', '--pattern', 'empty', ...OWNER]).code).toBe(0);
    const noPhase = runCli(repo, ['new-stage', 'First', '--gate', 'true', ...OWNER]);
    expect(noPhase.code).toBe(2);
    expect(noPhase.stderr).toContain('Missing --phase <id>');
    const noGate = runCli(repo, ['new-stage', 'First', '--phase', 'P1', ...OWNER]);
    expect(noGate.code).toBe(2);
    expect(noGate.stderr).toContain('Missing --gate <command>');
    // The suggested command is safe to paste: the title is single-quoted for the shell, and the code
    // span around it is longer than any backtick run inside.
    const hostile = runCli(repo, ['new-stage', 'Run `rm -rf $HOME` it\'s "fine"', '--phase', 'P1', ...OWNER]);
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toContain(`hint: Pass it, e.g. \`\`stagedocs new-stage 'Run \`rm -rf $HOME\` it'\\''s "fine"' --phase P1 --gate "npm test"\`\`.`);
    const noTitle = runCli(repo, ['new-stage', '--phase', 'P1', '--gate', 'true', ...OWNER]);
    expect(noTitle.code).toBe(2);
    expect(noTitle.stderr).toContain('stage title');
    const noPattern = runCli(repo, ['new-phase', 'other', ...OWNER]);
    expect(noPattern.code).toBe(2);
    expect(noPattern.stderr).toContain('Missing --pattern <name>');
    expect(noPattern.stderr).toContain('Patterns: empty, integrations, mvp-backend, research, ui-hardening.');
    expect(listFiles(repo)).toEqual(['stages/mvp/phase.md']);
  });
});

describe('stagedocs init', () => {
  it('writes the config, folders, .gitattributes and .gitignore, and the config is valid', () => {
    const repo = makeRepo();
    const result = runCli(repo, ['init', '--yes']);
    expect(result.code).toBe(0);
    expect(listFiles(repo)).toEqual([
      '.gitattributes',
      '.gitignore',
      'decisions/README.md',
      'freeze/README.md',
      'gate_results/README.md',
      'stagedocs.config.yaml',
      'stages/README.md',
    ]);
    expect(readFileSync(path.join(repo, '.gitattributes'), 'utf8')).toBe('gate_results/gate_registry.csv merge=union\n');
    expect(readFileSync(path.join(repo, '.gitignore'), 'utf8')).toBe('.stagedocs/\n');
    expect(git(repo, 'check-attr', 'merge', 'gate_results/gate_registry.csv')).toContain('merge: union');
    // The written config parses: validate reads it (and only complains that there are no documents yet).
    const validate = runCli(repo, ['validate']);
    expect(validate.stderr).toContain('No stagedocs documents found');
    expect(validate.stderr).not.toContain('stagedocs.config.yaml:');
  });

  it('run twice, changes nothing the user edited and only appends missing lines', () => {
    const repo = makeRepo({ '.gitignore': 'node_modules\n', '.gitattributes': '*.png binary' });
    expect(runCli(repo, ['init', '--yes']).code).toBe(0);
    expect(readFileSync(path.join(repo, '.gitignore'), 'utf8')).toBe('node_modules\n.stagedocs/\n');
    expect(readFileSync(path.join(repo, '.gitattributes'), 'utf8')).toBe('*.png binary\ngate_results/gate_registry.csv merge=union\n');

    const configPath = path.join(repo, 'stagedocs.config.yaml');
    writeFileSync(configPath, 'rules:\n  stage-size: { severity: error, max_hours: 3 }\n');
    writeFileSync(path.join(repo, 'stages/README.md'), 'our own notes\n');
    writeFileSync(path.join(repo, '.gitignore'), 'node_modules\n.stagedocs/\ndist\n');
    const before = snapshotOf(repo);

    const second = runCli(repo, ['init', '--yes']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('kept stagedocs.config.yaml');
    expect(second.stdout).toContain('kept .gitignore');
    expect(second.stdout).not.toContain('wrote ');
    expect(snapshotOf(repo)).toEqual(before);
  });

  it("keeps the user's own variant of a line: another merge driver, .stagedocs without slash", () => {
    const repo = makeRepo({ '.gitignore': '/.stagedocs\n', '.gitattributes': 'gate_results/gate_registry.csv merge=ours\n' });
    const result = runCli(repo, ['init', '--yes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('kept .gitattributes');
    expect(result.stdout).toContain('kept .gitignore');
    expect(readFileSync(path.join(repo, '.gitignore'), 'utf8')).toBe('/.stagedocs\n');
    expect(readFileSync(path.join(repo, '.gitattributes'), 'utf8')).toBe('gate_results/gate_registry.csv merge=ours\n');
  });

  it('follows the configured paths', () => {
    const config = 'paths:\n  stages: plan/stages\n  decisions: plan/decisions\n  freeze: plan/freeze\n  gate_results: evidence\n';
    const repo = makeRepo({ 'stagedocs.config.yaml': config });
    const result = runCli(repo, ['init', '--yes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('kept stagedocs.config.yaml');
    expect(readFileSync(path.join(repo, 'stagedocs.config.yaml'), 'utf8')).toBe(config);
    expect(readFileSync(path.join(repo, '.gitattributes'), 'utf8')).toBe('evidence/gate_registry.csv merge=union\n');
    expect(existsSync(path.join(repo, 'plan/stages/README.md'))).toBe(true);
    expect(runCli(repo, ['new-phase', 'mvp', '--pattern', 'research', ...OWNER]).stdout).toContain('wrote plan/stages/mvp/00-scope-freeze.md');
    expect(runCli(repo, ['new-decision', 'Scope', '--stage', 'P1-S00', ...OWNER]).stdout).toContain('wrote plan/decisions/D-2026-11-21-001.md');
    expect(readFileSync(path.join(repo, 'plan/stages/mvp/00-scope-freeze.md'), 'utf8')).toContain('under `evidence/`');
    expect(runCli(repo, ['validate']).code).toBe(0);
  });

  it('refuses outside a git repository with exit 2 and says to run git init', () => {
    const dir = tempDir();
    const result = runCli(dir, ['init', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not inside a git repository');
    expect(result.stderr).toContain('git init');
    expect(listFiles(dir)).toEqual([]);
  });

  it('without --yes and without a terminal, says how to install the hook and installs nothing', () => {
    const repo = makeRepo();
    const result = runCli(repo, ['init']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('install the pre-commit hook: stagedocs hook install');
  });
});

describe('--dry-run writes nothing', () => {
  it.each([
    [['init', '--dry-run']],
    [['new-phase', 'mvp', '--pattern', 'mvp-backend', '--dry-run', ...OWNER]],
    [['new-decision', 'Use PostgreSQL', '--dry-run', ...OWNER]],
  ])('%j', (args) => {
    const repo = makeRepo();
    const result = runCli(repo, args);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('would ');
    expect(result.stdout).toContain('nothing was written');
    expect(listFiles(repo)).toEqual([]);
  });

  it('new-stage --dry-run prints the document and writes nothing', () => {
    const repo = makeRepo();
    runCli(repo, ['new-phase', 'mvp', '--pattern', 'empty', ...OWNER]);
    const before = listFiles(repo);
    const result = runCli(repo, ['new-stage', 'First', '--phase', 'P1', '--gate', 'true', '--dry-run', ...OWNER]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('would write stages/mvp/00-first.md');
    expect(result.stdout).toContain('id: "P1-S00"');
    expect(listFiles(repo)).toEqual(before);
  });
});

describe('refusals', () => {
  it('refuses an existing slug, an existing id, a duplicate stage and leaves files untouched', () => {
    const repo = makeRepo();
    expect(runCli(repo, ['new-phase', 'mvp', '--pattern', 'research', ...OWNER]).code).toBe(0);
    const before = snapshotOf(repo);

    const sameSlug = runCli(repo, ['new-phase', 'mvp', '--pattern', 'empty', ...OWNER]);
    expect(sameSlug.code).toBe(2);
    expect(sameSlug.stderr).toContain('stages/mvp already exists');

    const sameId = runCli(repo, ['new-phase', 'other', '--pattern', 'empty', '--id', 'P1', ...OWNER]);
    expect(sameId.code).toBe(2);
    expect(sameId.stderr).toContain('Id `P1` is already used by stages/mvp/phase.md');
    expect(sameId.stderr).toContain('`P2`');

    const clash = runCli(repo, ['new-phase', 'other', '--pattern', 'empty', '--id', 'P1-S00', ...OWNER]);
    expect(clash.code).toBe(2);

    const duplicate = runCli(repo, ['new-stage', 'Scope Freeze!', '--phase', 'P1', '--gate', 'true', ...OWNER]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('stages/mvp/00-scope-freeze.md');
    expect(snapshotOf(repo)).toEqual(before);
  });

  it.each([
    [['new-phase', '../evil', '--pattern', 'empty'], 'Invalid phase slug'],
    [['new-phase', 'Has Space', '--pattern', 'empty'], 'Invalid phase slug'],
    [['new-phase', 'con', '--pattern', 'empty'], 'Invalid phase slug'],
    [['new-phase', 'ok', '--pattern', 'empty', '--id', '7P'], 'Invalid phase id'],
    [['new-phase', 'ok', '--pattern', 'empty', '--id', 'P1/../x'], 'Invalid phase id'],
    [['new-phase', 'ok', '--pattern', 'nope'], 'Unknown pattern `nope`, expected one of `empty`, `integrations`, `mvp-backend`, `research`, `ui-hardening`'],
    [['new-phase', 'ok', '--pattern', '../../x'], 'Unknown pattern'],
    [['new-stage', 'X', '--phase', 'P9', '--gate', 'true'], 'Phase `P9` does not exist'],
    [['new-stage', 'X', '--phase', '--x', '--gate', 'true'], 'Invalid phase id'],
    [['new-stage', 'two\nlines', '--phase', 'P1', '--gate', 'true'], 'line break'],
    [['new-decision', 'X', '--stage', 'P1-S99'], '--stage `P1-S99` does not exist'],
    [['new-decision', 'X', '--supersedes', 'D-2026-01-01-001'], 'is not the tag of a decision note'],
    [['new-decision', 'X', '--rerun-of', '$(rm -rf /)'], 'is not an id'],
  ])('%j exits 2 with a hint', (args, message) => {
    const repo = makeRepo();
    runCli(repo, ['new-phase', 'base', '--pattern', 'empty', ...OWNER]);
    const before = snapshotOf(repo);
    const result = runCli(repo, [...args, ...OWNER]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('hint:');
    expect(result.stderr).not.toContain('    at ');
    expect(snapshotOf(repo)).toEqual(before);
  });
});

describe('stagedocs new-decision', () => {
  it('takes the next free number of the day, from tags and file names', () => {
    const repo = makeRepo();
    expect(runCli(repo, ['new-decision', 'First', ...OWNER]).stdout).toContain('decisions/D-2026-11-21-001.md');
    writeFileSync(path.join(repo, 'decisions/D-2026-11-21-007.md'), 'broken, but its number is taken');
    expect(runCli(repo, ['new-decision', 'Second', ...OWNER]).stdout).toContain('decisions/D-2026-11-21-008.md');
    const tomorrow = runCli(repo, ['new-decision', 'Third', ...OWNER], { env: { STAGEDOCS_NOW: '2026-11-22T00:00:01Z' } });
    expect(tomorrow.stdout).toContain('decisions/D-2026-11-22-001.md');
    expect(readFileSync(path.join(repo, 'decisions/D-2026-11-22-001.md'), 'utf8')).toContain('date: "2026-11-22"');
  });

  it('with --rerun-of, fails validation until the Root cause is written', () => {
    const repo = makeRepo();
    runCli(repo, ['new-phase', 'mvp', '--pattern', 'research', ...OWNER]);
    const result = runCli(repo, ['new-decision', 'Rerun the baseline', '--stage', 'P1-S01', '--rerun-of', 'P1-S01_20261121T093000Z', ...OWNER]);
    expect(result.code).toBe(0);
    const file = path.join(repo, 'decisions/D-2026-11-21-001.md');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('rerun_of: "P1-S01_20261121T093000Z"');
    expect(text).toContain('## Root cause');

    const failing = runCli(repo, ['validate']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/decisions\/D-2026-11-21-001\.md:\d+:1 +error +Section `Root cause` still holds `TODO`.*rerun-root-cause/);

    writeFileSync(file, text.replace(/TODO: .*\n/, 'The seed was not fixed, so the score varied by 4 points; this attempt fixes seed 7.\n'));
    const passing = runCli(repo, ['validate']);
    expect(passing.stdout).toContain('no problems');
    expect(passing.code).toBe(0);
    expect(existsSync(file)).toBe(true);
  });
});
