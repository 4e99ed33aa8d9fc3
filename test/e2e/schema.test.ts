import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { makeRepo, runCli, tempDir } from '../helpers/repo.js';
import { validTree } from '../helpers/documents.js';
import { gateRepo, gateStage, readReport, runFolders } from '../helpers/gates.js';

/** Every schema `stagedocs schema` writes: the document kinds, the configuration, and the gate run report (report.json). */
const KINDS = ['config', 'contract', 'decision', 'freeze', 'phase', 'report', 'stage'];

/**
 * A fresh, strict Ajv, as another tool would compile the written schemas. The schemas carry the
 * editor annotations `markdownDescription` and `markdownEnumDescriptions` (VS Code, yaml-language-server):
 * JSON Schema ignores unknown keywords, a strict Ajv has to be told they are annotations.
 */
function compile(schema: object) {
  return new Ajv({ strict: true, allowUnionTypes: true, keywords: ['markdownDescription', 'markdownEnumDescriptions'] }).compile(schema);
}

describe('stagedocs schema', () => {
  it('writes one valid, compilable JSON Schema per kind into .stagedocs/schemas', () => {
    const repo = makeRepo(validTree());
    const result = runCli(repo, ['schema']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const kind of KINDS) expect(result.stdout).toContain(`wrote .stagedocs/schemas/${kind}.schema.json\n`);
    // The YAML extension does not validate markdown frontmatter: the language server is suggested for
    // the documents, the schemas only for the pure YAML and JSON files.
    expect(result.stdout).toContain('stagedocs lsp');
    expect(result.stdout).toContain('"yaml.schemas": { "./.stagedocs/schemas/config.schema.json": "stagedocs.config.yaml", "./.stagedocs/schemas/contract.schema.json": "contracts/**/*.yaml" }');
    expect(result.stdout).toContain('"json.schemas": [{ "fileMatch": ["freeze/**/*.freeze.json"], "url": "./.stagedocs/schemas/freeze.schema.json" }]');
    expect(result.stdout).not.toContain('*.md');

    const dir = path.join(repo, '.stagedocs', 'schemas');
    expect(readdirSync(dir).sort()).toEqual(KINDS.map((kind) => `${kind}.schema.json`));
    for (const kind of KINDS) {
      const schema = JSON.parse(readFileSync(path.join(dir, `${kind}.schema.json`), 'utf8')) as Record<string, unknown>;
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(schema.$id).toBe(`https://stagedocs.dev/schema/${kind}.json`);
      expect(() => compile(schema)).not.toThrow();
    }
  });

  it('writes schemas that accept valid frontmatter and reject what validate rejects', () => {
    const repo = makeRepo(validTree());
    runCli(repo, ['schema']);
    const stageSchema = JSON.parse(readFileSync(path.join(repo, '.stagedocs/schemas/stage.schema.json'), 'utf8')) as object;
    const validate = compile(stageSchema);
    const stage = { id: 'P1-S01', kind: 'stage', title: 'Skeleton', phase: 'P1', order: 1, status: 'not-started', gates: [{ id: 'tests', run: 'npm test' }] };
    expect(validate(stage)).toBe(true);
    expect(validate({ ...stage, id: 1.1 })).toBe(false);
    expect(validate({ ...stage, status: 'finished' })).toBe(false);
    expect(validate({ ...stage, 'depends-on': ['P1-S00'] })).toBe(false);
    expect(validate({ ...stage, 'x-team': 'platform' })).toBe(true);
  });

  it('writes a report schema that accepts the report.json of a real gate run and rejects a broken one', () => {
    const repo = gateRepo({ 'stages/mvp/00-foundation.md': gateStage('  - id: tests\n    run: "true"') });
    expect(runCli(repo, ['gate', 'run', 'P1-S00']).code).toBe(0);
    expect(runCli(repo, ['schema']).code).toBe(0);
    const validate = compile(JSON.parse(readFileSync(path.join(repo, '.stagedocs/schemas/report.schema.json'), 'utf8')) as object);
    const [runId] = runFolders(repo);
    const report = readReport(repo, runId!);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...report, overall_pass: 'yes' })).toBe(false);
    const { stage_id: _dropped, ...withoutStage } = report;
    expect(validate(withoutStage)).toBe(false);
  });

  it('--print <kind> prints exactly the schema it writes, and nothing else', () => {
    const repo = makeRepo(validTree());
    runCli(repo, ['schema']);
    const printed = runCli(repo, ['schema', '--print', 'stage']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(readFileSync(path.join(repo, '.stagedocs/schemas/stage.schema.json'), 'utf8'));
    expect(() => compile(JSON.parse(printed.stdout) as object)).not.toThrow();
  });

  it('--out writes into another folder of the repository, and refuses one outside it', () => {
    const repo = makeRepo(validTree());
    const result = runCli(repo, ['schema', '--out', 'editor/schemas']);
    expect(result.code).toBe(0);
    for (const kind of KINDS) expect(existsSync(path.join(repo, 'editor/schemas', `${kind}.schema.json`))).toBe(true);

    const outside = tempDir();
    const refused = runCli(repo, ['schema', '--out', outside]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is outside the repository');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('rejects an unknown kind with exit 2 and the list of kinds', () => {
    const result = runCli(makeRepo(validTree()), ['schema', '--print', 'stages']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Unknown schema `stages`, expected one of stage, phase, decision, freeze, contract, config, report');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('has --help with examples', () => {
    const result = runCli(makeRepo(), ['schema', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('stagedocs schema --print stage');
  });
});
