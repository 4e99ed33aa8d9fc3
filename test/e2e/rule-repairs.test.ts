import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stage, validTree } from '../helpers/documents.js';
import { GIT_FED_RULES, RULES } from '../../src/rules/index.js';
import { performRepair, repairBlocks } from '../helpers/repairs.js';
import { fixtureCases } from '../rules/fixture-cases.js';
import { git, makeRepo, runCli } from '../helpers/repo.js';
import { FREEZE, HEADER, REGISTRY, ROW_1, ROW_2, RUN_LOG, freezeFile } from '../helpers/records.js';

/**
 * The repairs the pages of the git-fed rules document, performed as written: each page's `sh repair`
 * block runs in a repository that has the page's finding ($BAD is the commit the finding names), with
 * the built CLI as `stagedocs` on PATH, and afterwards validate reports nothing for that rule. A page
 * whose advice stops working fails here. (The rules with golden fixtures run theirs in rule-fixtures.test.ts.)
 */
function performDocumentedRepair(repo: string, ruleId: string, bad: string): void {
  const script = repairBlocks(ruleId).get('');
  expect(script, `docs/rules/${ruleId}.md has a \`\`\`sh repair block`).toBeDefined();
  const result = performRepair(repo, script!, { BAD: bad });
  expect(result.code, `the repair of docs/rules/${ruleId}.md failed: ${result.stderr}`).toBe(0);
}

function findings(repo: string, ruleId: string, range?: string): Array<{ file: string; message: string }> {
  const result = runCli(repo, ['validate', '--format', 'json', '--no-cache', ...(range ? ['--range', range] : [])]);
  expect(result.stderr).toBe('');
  return (JSON.parse(result.stdout).diagnostics as Array<{ ruleId: string; file: string; message: string }>).filter((d) => d.ruleId === ruleId);
}

function write(repo: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  writeFileSync(path.join(repo, file), text);
}

/** Commits everything; returns the full SHA. */
function commitAll(repo: string, message: string): string {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--no-verify', '-m', message);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

/** Records committed and tagged `base`; the hand-made rows and runs do not agree, which is registry-consistent's business, not these tests'. */
function recordsRepo(): string {
  const repo = makeRepo({
    ...validTree(),
    'stagedocs.config.yaml': 'rules:\n  registry-consistent: off\n',
    [RUN_LOG]: 'line one\nline two\n',
    [FREEZE]: freezeFile('v1'),
    [REGISTRY]: HEADER + ROW_1 + ROW_2,
  });
  git(repo, 'tag', 'base');
  return repo;
}

/** Asserts the rule is clean over the whole history, over base..HEAD (bad commit and repair) and over BAD..HEAD (the repair alone). */
function expectRepaired(repo: string, ruleId: string, bad: string): void {
  expect(findings(repo, ruleId)).toEqual([]);
  expect(findings(repo, ruleId, 'base..HEAD')).toEqual([]);
  expect(findings(repo, ruleId, `${bad}..HEAD`)).toEqual([]);
}

describe('the documented repair of each history rule clears its finding', () => {
  /** Each case breaks a record in one commit of a repository from `recordsRepo`; the page's repair must make it whole. */
  const cases: Array<[string, string, (repo: string) => void]> = [
    ['evidence-immutable', 'a deleted evidence file', (repo) => git(repo, 'rm', '-q', RUN_LOG)],
    ['evidence-immutable', 'an edited evidence file', (repo) => write(repo, RUN_LOG, 'line one\nline 2\n')],
    ['freeze-immutable', 'an edited freeze file', (repo) => write(repo, FREEZE, freezeFile('v2'))],
    ['freeze-immutable', 'a deleted freeze file', (repo) => git(repo, 'rm', '-q', FREEZE)],
    ['registry-append-only', 'an edited row', (repo) => write(repo, REGISTRY, HEADER + ROW_1 + ROW_2.replace(',false,1,', ',true,0,'))],
    ['registry-append-only', 'a deleted registry', (repo) => git(repo, 'rm', '-q', REGISTRY)],
  ];
  it.each(cases)('%s: %s, reverted', (ruleId, _what, breakRecord) => {
    const repo = recordsRepo();
    breakRecord(repo);
    const bad = commitAll(repo, 'the bad commit');
    expect(findings(repo, ruleId)).toHaveLength(1);
    expect(findings(repo, ruleId, 'base..HEAD')).toHaveLength(1);
    performDocumentedRepair(repo, ruleId, bad);
    expectRepaired(repo, ruleId, bad);
  });

  it('protected-path: a --no-verify commit of a protected path, taken out of the branch', () => {
    const tree = validTree();
    tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1, status: 'in-progress', extra: 'protected: ["schema/**"]\n' });
    tree['schema/users.sql'] = 'create table users();\n';
    const repo = makeRepo(tree);
    git(repo, 'tag', 'base');
    write(repo, 'schema/users.sql', 'create table users(id int);\n');
    const bad = commitAll(repo, 'add a column');
    write(repo, 'notes.txt', 'later work\n');
    commitAll(repo, 'later work');
    expect(findings(repo, 'protected-path', 'base..HEAD')).toHaveLength(1);
    performDocumentedRepair(repo, 'protected-path', bad);
    expect(findings(repo, 'protected-path', 'base..HEAD')).toEqual([]);
    // The later work is kept, the protected path is as it was.
    expect(readFileSync(path.join(repo, 'notes.txt'), 'utf8')).toBe('later work\n');
    expect(readFileSync(path.join(repo, 'schema/users.sql'), 'utf8')).toBe('create table users();\n');
  });
});

describe('every rule page documents a repair that a test performs', () => {
  it.each([...RULES.map((rule) => rule.meta.id), ...GIT_FED_RULES.map((meta) => meta.id)])('%s', (ruleId) => {
    const blocks = repairBlocks(ruleId);
    expect(blocks.size, `docs/rules/${ruleId}.md has no \`\`\`sh repair block`).toBeGreaterThan(0);
    // A block for a fixture must name one that exists and fails, or rule-fixtures.test.ts would never run it.
    const failing = new Set(fixtureCases(ruleId).filter((fixture) => fixture.expectation === 'not-ok').map((fixture) => fixture.name));
    for (const name of blocks.keys()) if (name !== '') expect(failing.has(name), `docs/rules/${ruleId}.md repairs \`${name}\`, which is no failing fixture of the rule`).toBe(true);
    if (GIT_FED_RULES.some((meta) => meta.id === ruleId)) expect(blocks.has(''), 'a git-fed rule has no fixtures: its plain block is performed above').toBe(true);
  });
});

describe('an inexact restore is still reported, saying what differs', () => {
  it('evidence restored with other bytes', () => {
    const repo = recordsRepo();
    git(repo, 'rm', '-q', RUN_LOG);
    const bad = commitAll(repo, 'tidy up logs');
    write(repo, RUN_LOG, 'line one\nline II\n');
    commitAll(repo, 'put the log back from memory');
    for (const range of [undefined, 'base..HEAD']) {
      const [finding, ...rest] = findings(repo, 'evidence-immutable', range);
      expect(rest).toEqual([]);
      expect(finding!.message).toContain(`deleted by commit ${bad.slice(0, 7)}`);
      expect(finding!.message).toMatch(/it is back at commit \w{7} but not exactly as first committed \(line 2 is `line II`, expected `line two`\)/);
    }
  });

  it('a freeze file reverted and edited again', () => {
    const repo = recordsRepo();
    write(repo, FREEZE, freezeFile('v2'));
    const bad = commitAll(repo, 'widen the scope');
    git(repo, 'revert', '--no-edit', bad);
    write(repo, FREEZE, freezeFile('v1').replace('\n}', ',"note":"x"\n}'));
    commitAll(repo, 'annotate');
    const messages = findings(repo, 'freeze-immutable').map((finding) => finding.message);
    // The edit, its revert and the new edit are all reported; the first two say how the file at the end differs.
    expect(messages).toHaveLength(3);
    expect(messages.filter((message) => /changed again at commit \w{7} but not exactly as first committed \(line \d+ is `.*`, expected `.*`\)/.test(message))).toHaveLength(2);
  });

  it('registry rows put back only in part', () => {
    const repo = recordsRepo();
    write(repo, REGISTRY, HEADER);
    const bad = commitAll(repo, 'drop two rows');
    write(repo, REGISTRY, HEADER + ROW_1);
    commitAll(repo, 'put one back');
    const [finding, ...rest] = findings(repo, 'registry-append-only', 'base..HEAD');
    expect(rest).toEqual([]);
    expect(finding!.message).toContain(`A row of the gate registry \`${REGISTRY}\` was removed or edited by commit ${bad.slice(0, 7)}`);
    expect(finding!.message).toContain('first: line 3 `P1-S01_20261121T100000Z');
    expect(finding!.message).toContain('1 of the 2 rows are back exactly at commit');
  });
});
