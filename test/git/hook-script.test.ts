import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hookScript, isOurHook } from '../../src/git/hooks.js';
import { shellQuote } from '../../src/util/shell-quote.js';
import { GIT_ENV, makeRepo } from '../helpers/repo.js';

describe('the hook script', () => {
  it('quotes any path so that the shell reads it back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((value) => !value.includes('\0')), (value) => {
        const echoed = spawnSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
        expect(echoed.stdout).toBe(value);
      }),
      { numRuns: 50 },
    );
  });

  it("carries our marker, is valid sh, and embeds the fallback CLI quoted", () => {
    const script = hookScript({ node: "/opt/it's node/bin/node", cli: '/x/$(rm -rf ~)/bin.js' });
    expect(isOurHook(script)).toBe(true);
    expect(isOurHook('#!/bin/sh\nnpx lint-staged\n')).toBe(false);
    expect(script).toContain(`stagedocs_node='/opt/it'\\''s node/bin/node'`);
    expect(script).toContain(`stagedocs_cli='/x/$(rm -rf ~)/bin.js'`);
    expect(spawnSync('sh', ['-n', '-c', script]).status).toBe(0);
  });

  it('says how to install stagedocs, and fails, when it finds no stagedocs at all', () => {
    const repo = makeRepo();
    const script = hookScript({ node: '/nonexistent/node', cli: '/nonexistent/bin.js' });
    const result = spawnSync('sh', ['-c', script], { cwd: repo, env: { ...GIT_ENV, PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('stagedocs pre-commit hook: stagedocs was not found');
    expect(result.stderr).toContain('npm install --save-dev stagedocs');
  });
});
