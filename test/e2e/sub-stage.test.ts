import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, runCli } from '../helpers/repo.js';

const OWNER = ['--owner', 'ada@example.com'];

describe('new-stage --after: sub-stages', () => {
  it('inserts P1-S04a then P1-S04b after P1-S04, in place, and the stage after them waits for the last', () => {
    const dir = makeRepo({ '.gitignore': '.stagedocs/\n' });
    expect(runCli(dir, ['new-phase', 'mvp', '--pattern', 'mvp-backend', ...OWNER]).code).toBe(0);
    const first = runCli(dir, ['new-stage', 'Webhook retries', '--after', 'P1-S04', '--gate', 'npm test', '--estimate', '2', ...OWNER]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('wrote stages/mvp/04a-webhook-retries.md\nset depends_on: [P1-S04a] in stages/mvp/05-background-jobs.md\n');
    const second = runCli(dir, ['new-stage', 'Webhook signing', '--after', 'P1-S04', '--gate', 'npm test', '--estimate', '2', ...OWNER]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('wrote stages/mvp/04b-webhook-signing.md\nset depends_on: [P1-S04b] in stages/mvp/05-background-jobs.md\n');

    const files = readdirSync(path.join(dir, 'stages/mvp')).filter((file) => /^0[3-6]/.test(file)).sort();
    expect(files).toEqual(['03-primary-resource-api.md', '04-supporting-endpoints.md', '04a-webhook-retries.md', '04b-webhook-signing.md', '05-background-jobs.md', '06-authorization-and-quotas.md']);
    const frontmatter = (file: string) => readFileSync(path.join(dir, 'stages/mvp', file), 'utf8').split('\n---')[0]!;
    expect(frontmatter('04a-webhook-retries.md')).toMatch(/^id: "P1-S04a"\n[\s\S]*^order: 4\n[\s\S]*^depends_on: \["P1-S04"\]$/m);
    expect(frontmatter('04b-webhook-signing.md')).toMatch(/^id: "P1-S04b"\n[\s\S]*^order: 4\n[\s\S]*^depends_on: \["P1-S04a"\]$/m);
    expect(frontmatter('05-background-jobs.md')).toMatch(/^depends_on: \["P1-S04b"\]$/m);

    // Shared orders with an explicit sequence: duplicate-order and every other rule accept it.
    expect(runCli(dir, ['validate', '--max-warnings', '0']).stdout).toContain('no problems');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'phase with sub-stages');

    const status = JSON.parse(runCli(dir, ['status', '--format', 'json']).stdout);
    const ids = status.phases[0].stages.map((stage: { id: string }) => stage.id);
    expect(ids.slice(3, 8)).toEqual(['P1-S03', 'P1-S04', 'P1-S04a', 'P1-S04b', 'P1-S05']);
    const s05 = status.phases[0].stages.find((stage: { id: string }) => stage.id === 'P1-S05');
    expect(s05.next_action).toBe('waiting: P1-S04b has no passing run');

    const text = runCli(dir, ['status']).stdout;
    expect(text.indexOf('P1-S04a')).toBeGreaterThan(text.indexOf('P1-S04 '));
    expect(text.indexOf('P1-S04b')).toBeLessThan(text.indexOf('P1-S05'));
  });

  it('refuses an unknown or invalid parent, and a --phase that is not the parent\'s', () => {
    const dir = makeRepo({ '.gitignore': '.stagedocs/\n' });
    expect(runCli(dir, ['new-phase', 'mvp', '--pattern', 'mvp-backend', ...OWNER]).code).toBe(0);
    const unknown = runCli(dir, ['new-stage', 'X', '--after', 'P1-S99', '--gate', 'true', ...OWNER]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No stage has the id `P1-S99`');
    const invalid = runCli(dir, ['new-stage', 'X', '--after', '../P1', '--gate', 'true', ...OWNER]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('--after `../P1` is not a valid stage id');
    const phase = runCli(dir, ['new-stage', 'X', '--after', 'P1-S04', '--phase', 'P2', '--gate', 'true', ...OWNER]);
    expect(phase.code).toBe(2);
    expect(phase.stderr).toContain('--after P1-S04 is a stage of P1, not of --phase P2');
  });
});
