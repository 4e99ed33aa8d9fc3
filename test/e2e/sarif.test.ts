import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, PROJECT_ROOT, runCli, tempDir } from '../helpers/repo.js';
import { stage, validTree } from '../helpers/documents.js';

// The official OASIS schema (oasis-tcs/sarif-spec, sarif-2.1/schema/sarif-schema-2.1.0.json at
// a560296ca8c921f3bdb8d4a8db57ab83dae968a7), kept as a fixture: it is draft-04, hence ajv-draft-04.
const SCHEMA_FILE = path.join(PROJECT_ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json');
const require = createRequire(import.meta.url);

function schemaValidator(): { validate: (data: unknown) => boolean; errors: () => unknown } {
  const Ajv04 = require('ajv-draft-04') as new (options: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown } };
  const addFormats = require('ajv-formats') as (ajv: object) => void;
  // strict off only for what this schema needs: it is draft-04 and uses `id`, which strict mode flags.
  const ajv = new Ajv04({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  return { validate: (data) => validate(data), errors: () => validate.errors };
}

/** A repository with errors and a warning in a file whose name needs percent-encoding. */
function sarifRepo(): string {
  const tree = validTree();
  tree['stages/mvp/03 a#b%20c é.md'] = stage({ id: 'P1-S03', order: 3, status: 'done' });
  tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1 }).replace('estimate: 2', 'estimate: 9');
  return makeRepo(tree);
}

function sarifOf(repo: string, env: NodeJS.ProcessEnv = {}): { code: number; sarif: any; stdout: string; stderr: string } {
  const result = runCli(repo, ['validate', '--format', 'sarif'], { env });
  return { ...result, sarif: result.stdout.startsWith('{') ? JSON.parse(result.stdout) : undefined };
}

describe('validate --format sarif', () => {
  it('is valid against the official SARIF 2.1.0 schema (ajv, draft-04, formats checked)', () => {
    const { code, sarif } = sarifOf(sarifRepo());
    expect(code).toBe(1);
    expect(sarif.runs[0].results.length).toBeGreaterThan(1);
    const { validate, errors } = schemaValidator();
    expect(validate(sarif), JSON.stringify(errors(), null, 2)).toBe(true);
  });

  it('the schema check is real: it rejects a relative helpUri and an unencoded artifact URI', () => {
    const { validate } = schemaValidator();
    const { sarif } = sarifOf(sarifRepo());
    const relativeHelp = structuredClone(sarif);
    relativeHelp.runs[0].tool.driver.rules[0].helpUri = 'docs/rules/objective-gate.md';
    expect(validate(relativeHelp)).toBe(false);
    const unencoded = structuredClone(sarif);
    unencoded.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = 'stages/mvp/03 a#b%20c.md';
    expect(validate(unencoded)).toBe(false);
  });

  it('percent-encodes artifact URIs, relative to %SRCROOT%', () => {
    const { sarif } = sarifOf(sarifRepo());
    const uris = sarif.runs[0].results.map((r: any) => r.locations[0].physicalLocation.artifactLocation);
    expect(uris).toContainEqual({ uri: 'stages/mvp/03%20a%23b%2520c%20%C3%A9.md', uriBaseId: '%SRCROOT%' });
    for (const location of uris) {
      expect(location.uriBaseId).toBe('%SRCROOT%');
      expect(location.uri).not.toMatch(/^[a-z][a-z0-9+.-]*:|^\//i);
      expect(location.uri).toMatch(/^[A-Za-z0-9\-._~%/]+$/);
    }
    // Decoding gives back the file name exactly.
    expect(uris.map((l: any) => decodeURIComponent(l.uri))).toContain('stages/mvp/03 a#b%20c é.md');
  });

  it('meets the GitHub ingestion rules: rule ids, absolute helpUri, full description, help, fingerprints, regions', () => {
    const { sarif } = sarifOf(sarifRepo());
    const run = sarif.runs[0];
    const rules = run.tool.driver.rules;
    const ids = rules.map((rule: any) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of rules) {
      expect(rule.id).toMatch(/^[a-z0-9-]+$/);
      const help = new URL(rule.helpUri);
      expect(help.protocol).toBe('https:');
      expect(help.pathname.endsWith(`/docs/rules/${rule.id}.md`)).toBe(true);
      expect(rule.fullDescription.text.length).toBeGreaterThan(10);
      expect(rule.help.text.length).toBeGreaterThan(10);
      expect(rule.help.markdown).toContain(`# ${rule.id}`);
      expect(rule.shortDescription.text.length).toBeLessThanOrEqual(1024);
    }
    const fingerprints = new Set<string>();
    for (const result of run.results) {
      expect(ids).toContain(result.ruleId);
      expect(rules[result.ruleIndex].id).toBe(result.ruleId);
      const fingerprint = result.partialFingerprints['stagedocs/v1'];
      expect(fingerprint).toMatch(/^[0-9a-f]{32}:\d+$/);
      fingerprints.add(fingerprint);
      const region = result.locations[0].physicalLocation.region;
      expect(region).toEqual({ startLine: expect.any(Number), startColumn: expect.any(Number), endLine: expect.any(Number), endColumn: expect.any(Number) });
      expect(region.endLine > region.startLine || region.endColumn > region.startColumn).toBe(true);
    }
    expect(fingerprints.size).toBe(run.results.length);
  });

  it('keeps fingerprints when lines above a finding move (alerts track across commits)', () => {
    const repo = sarifRepo();
    const before = sarifOf(repo).sarif.runs[0].results;
    const file = path.join(repo, 'stages/mvp/03 a#b%20c é.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('## Objectives', 'A paragraph.\n\nAnother one.\n\n## Objectives'));
    const after = sarifOf(repo).sarif.runs[0].results;
    const key = (r: any) => `${r.ruleId} ${r.partialFingerprints['stagedocs/v1']}`;
    expect(after.map(key).sort()).toEqual(before.map(key).sort());
  });

  it('takes the docs base URL from STAGEDOCS_DOCS_URL, and refuses one that is not absolute', () => {
    const repo = sarifRepo();
    const { sarif } = sarifOf(repo, { STAGEDOCS_DOCS_URL: 'https://docs.example.com/stagedocs/rules' });
    for (const rule of sarif.runs[0].tool.driver.rules) expect(rule.helpUri).toBe(`https://docs.example.com/stagedocs/rules/${rule.id}.md`);
    const relative = sarifOf(repo, { STAGEDOCS_DOCS_URL: 'docs/rules/' });
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('is not an absolute URL');
  });

  it("passes Microsoft's SARIF validator (@microsoft/sarif-multitool validate), SARIF and GitHub rules", () => {
    const tool = path.join(PROJECT_ROOT, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
    if (process.platform !== 'linux' || !existsSync(tool)) {
      if (process.env.CI) throw new Error(`${tool} is missing: npm ci installs @microsoft/sarif-multitool (a devDependency)`);
      console.warn('skipped: @microsoft/sarif-multitool-linux is not installed on this platform');
      return;
    }
    // Its postinstall only sets the execute bit, and npm 11 does not run install scripts unless approved.
    try {
      accessSync(tool, constants.X_OK);
    } catch {
      chmodSync(tool, statSync(tool).mode | 0o100);
    }
    const dir = tempDir();
    const input = path.join(dir, 'stagedocs.sarif');
    writeFileSync(input, sarifOf(sarifRepo()).stdout);
    const output = path.join(dir, 'validation.sarif');
    const run = spawnSync(tool, ['validate', input, '--rule-kind', 'Sarif;Gh', '--output', output, '--log', 'ForceOverwrite'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(output, 'utf8'));
    const problems = report.runs[0].results.filter((r: any) => r.level === 'error' || r.level === 'warning' || r.level === undefined).map((r: any) => `${r.ruleId}: ${r.message?.text ?? JSON.stringify(r.message)}`);
    expect(problems).toEqual([]);
    expect(run.stdout).toContain('Analysis completed successfully');
  }, 180_000);
});
