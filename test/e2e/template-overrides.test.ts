import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { phase, stage } from '../helpers/documents.js';
import { commitFiles } from '../helpers/evidence.js';
import { git, makeRepo, PROJECT_ROOT, runCli } from '../helpers/repo.js';

/**
 * Issue 13, item 11: a repository's override of an audit-pack template (which a pull request can
 * add) is compiled in restricted mode, and refused in CI unless the configuration allows it.
 */
const OUTSIDE_CI = { CI: '', GITHUB_ACTIONS: '' };
const STAGE_TEMPLATE = 'templates/audit-pack-stage.md.hbs';

function repoWithOverride(template: string, config = ''): string {
  const dir = makeRepo({}, { commit: false });
  commitFiles(dir, { 'stages/mvp/phase.md': phase(), 'stages/mvp/00-a.md': stage({ id: 'P1-S00', order: 0 }), ...(config ? { 'stagedocs.config.yaml': config } : {}) }, 'Scaffold');
  git(dir, 'checkout', '-q', '-b', 'feature');
  commitFiles(dir, { 'stages/mvp/00-a.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress' }).replace('title: Stage P1-S00', 'title: "@octocat see #12 <b>x</b>"'), [STAGE_TEMPLATE]: template }, 'Override');
  return dir;
}

describe('audit-pack template overrides', () => {
  it('refuse raw output and raw helpers, naming the template, line and column', () => {
    const cases: Array<[string, RegExp]> = [
      ['## Stage\n\nTitle: {{{title}}}\n', /templates\/audit-pack-stage\.md\.hbs:3:8: `\{\{\{ \}\}\}` \(output without escaping\) is not allowed/],
      ['{{& title}}\n', /audit-pack-stage\.md\.hbs:1:1: `\{\{\{ \}\}\}`/],
      ['x {{json this}}\n', /audit-pack-stage\.md\.hbs:1:3: the `json` helper \(raw output\)/],
      ['{{authored title}}\n', /the `authored` helper/],
      ['{{> other}}\n', /a partial/],
    ];
    for (const [template, expected] of cases) {
      const result = runCli(repoWithOverride(template), ['audit-pack', '--base', 'main'], { env: OUTSIDE_CI });
      expect(result.code, template).toBe(2);
      expect(result.stderr, template).toMatch(expected);
      expect(result.stderr, template).toMatch(/hint: Overrides may only print fields through the escaping helpers/);
      expect(result.stdout, template).toBe('');
    }
  }, 120_000);

  it('neutralise literal HTML, images, links, mentions and references, and escape bare fields', () => {
    const template = '## Review by @security-team\n\n<img src=x onerror=alert(1)> ![logo](https://evil.example/x.png) [click](https://evil.example) see #42 and https://evil.example\n\nTitle: {{title}}\n';
    const result = runCli(repoWithOverride(template), ['audit-pack', '--base', 'main'], { env: OUTSIDE_CI });
    expect(result.code).toBe(0);
    const markdown = result.stdout;
    expect(markdown).toContain('## Review by @&#8203;security-team');
    expect(markdown).toContain('&lt;img src=x onerror=alert(1)>');
    expect(markdown).toContain('!\\[logo\\](https\\://evil.example/x.png)');
    expect(markdown).toContain('see #&#8203;42');
    expect(markdown).not.toMatch(/<img|\]\(https?:|(^|[^\\])https?:\/\//m);
    // The bare `{{title}}` went through `md`: no mention, no raw HTML.
    expect(markdown).toContain('Title: @&#8203;octocat see \\#&#8203;12 &lt;b&gt;x&lt;/b&gt;');
  }, 60_000);

  it('are refused in CI unless audit_pack.allow_template_overrides is set', () => {
    const template = '### {{heading id}} is {{md state}}\n';
    const refused = runCli(repoWithOverride(template), ['audit-pack', '--base', 'main'], { env: { CI: 'true', GITHUB_ACTIONS: '' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Template templates/audit-pack-stage.md.hbs overrides the built-in audit-pack-stage.md.hbs, and overrides of the audit-pack templates are refused in CI');
    expect(refused.stderr).toContain('audit_pack: { allow_template_overrides: true }');
    expect(runCli(repoWithOverride(template), ['audit-pack', '--base', 'main'], { env: { CI: '', GITHUB_ACTIONS: 'true' } }).code).toBe(2);

    const allowed = runCli(repoWithOverride(template, 'audit_pack:\n  allow_template_overrides: true\n'), ['audit-pack', '--base', 'main'], { env: { CI: 'true', GITHUB_ACTIONS: 'true' } });
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('### P1-S00 is in-progress');
  }, 60_000);

  it('a copy of the built-in templates works as an override, its raw HTML shown as text', () => {
    const builtIn = (name: string) => readFileSync(path.join(PROJECT_ROOT, 'templates', name), 'utf8');
    const dir = repoWithOverride(builtIn('audit-pack-stage.md.hbs'));
    commitFiles(dir, { 'templates/audit-pack.md.hbs': builtIn('audit-pack.md.hbs') }, 'Override the main template too');
    const result = runCli(dir, ['audit-pack', '--base', 'main'], { env: OUTSIDE_CI });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('&lt;details>');
    expect(result.stdout).not.toContain('<details>');
    expect(result.stdout).toContain('P1-S00');
  }, 60_000);

  it('the built-in templates still render outside and inside CI', () => {
    const dir = repoWithOverride('x\n');
    git(dir, 'rm', '-q', STAGE_TEMPLATE);
    git(dir, 'commit', '-q', '-m', 'No override');
    const result = runCli(dir, ['audit-pack', '--base', 'main'], { env: { CI: 'true', GITHUB_ACTIONS: 'true' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('<details>');
  }, 60_000);
});
