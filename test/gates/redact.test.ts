import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSecretName, makeRedactor } from '../../src/gates/redact.js';
import { RunLog } from '../../src/gates/run-log.js';
import { requirementIds } from '../../src/gates/prd-trace.js';
import { valueAtPath } from '../../src/gates/requirements.js';
import { tempDir } from '../helpers/repo.js';

describe('redaction', () => {
  const redact = makeRedactor({ GITHUB_TOKEN: 'tok-1234567890', DB_PASSWORD: 'pw-abcdef', SHORT_TOKEN: 'x1', HOME: '/home/user-abcdef' }, ['corp-[0-9]{4}']);

  it('redacts secret-named variables, token shapes and configured patterns, nothing else', () => {
    expect(redact('token tok-1234567890 and pw-abcdef')).toBe('token [REDACTED:GITHUB_TOKEN] and [REDACTED:DB_PASSWORD]');
    expect(redact('AKIAABCDEFGHIJKLMNOP')).toBe('[REDACTED:aws-access-key]');
    expect(redact('https://user:hunter22@example.com/x')).toBe('https://[REDACTED:basic-auth-url]@example.com/x');
    expect(redact('id corp-1234')).toBe('id [REDACTED]');
    expect(redact('x1 /home/user-abcdef')).toBe('x1 /home/user-abcdef');
  });

  it('judges variable names by whole segments', () => {
    for (const name of ['GITHUB_TOKEN', 'NPM_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'API_KEY', 'NODE_AUTH_TOKEN', 'SESSION_COOKIE', 'MYSQL_PWD']) expect(isSecretName(name), name).toBe(true);
    for (const name of ['GIT_AUTHOR_NAME', 'HOME', 'PATH', 'PWD', 'KEYBOARD_LAYOUT', 'MONKEY_BUSINESS', 'TOKENIZER_MODE']) expect(isSecretName(name), name).toBe(false);
  });

  it('knows the names of the hostile-input issue: `*_PAT`, `*_TOKEN`, `*_SECRET`, `*_PASSWORD`, `*_KEY`, `*_CREDENTIALS`, `AWS_*`, `GH_*`', () => {
    for (const name of ['MY_PAT', 'GITLAB_PAT', 'CI_TOKEN', 'APP_SECRET', 'SMTP_PASSWORD', 'SIGNING_KEY', 'GCP_CREDENTIALS', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID', 'GH_TOKEN', 'GH_ENTERPRISE_TOKEN', 'NPM_TOKEN', 'DB_PASS', 'SENTRY_DSN', 'my_pat']) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'GH_HOST', 'PATH', 'PATTERN', 'PASSAGE', 'npm_package_name']) expect(isSecretName(name), name).toBe(false);
  });

  it('never lets a secret straddle the 64 KB pieces of a long line, and keeps UTF-8 characters whole across chunks', () => {
    const secret = 'S3cr3t-value-that-is-long-enough';
    const redactor = makeRedactor({ MY_PAT: secret }, []);
    for (const offset of [-40, -20, -1, 0, 1, 7, 4090, 4096, 8200]) {
      const file = path.join(tempDir(), 'run.log');
      const log = new RunLog(file, 1 << 22, redactor);
      // One long line (no newline), delivered in 64 KB chunks as a pipe does, with the secret across a chunk boundary.
      const line = Buffer.from(`${'é'.repeat(32 * 1024 + offset)}${secret}${'€'.repeat(30_000)}${secret}${'x'.repeat(70_000)}`, 'utf8');
      for (let at = 0; at < line.length; at += 65_536) log.output('stdout', line.subarray(at, at + 65_536));
      log.endGate();
      log.close();
      const written = readFileSync(file, 'utf8');
      expect(written, `offset ${offset}`).not.toContain(secret.slice(0, 12));
      expect(written.split('[REDACTED:MY_PAT]')).toHaveLength(3);
      expect(written).not.toContain('\uFFFD');
    }
  });

  it('redacts values, never serialised text: a secret that looks like JSON cannot break a report', async () => {
    const { redactValues } = await import('../../src/gates/redact.js');
    const redactor = makeRedactor({ WEIRD_SECRET: '": true,"' }, []);
    const report = { a: 'x": true,"y', b: true, c: [': true,'] };
    expect(JSON.parse(JSON.stringify(redactValues(report, redactor)))).toEqual({ a: 'x[REDACTED:WEIRD_SECRET]y', b: true, c: [': true,'] });
  });

  it('rejects an invalid configured pattern as a configuration error', () => {
    expect(() => makeRedactor({}, ['('])).toThrow(/gates\.redact\[0\] `\(` is not a valid regular expression/);
  });

  it('catches a secret split across two output chunks of one line', () => {
    const file = path.join(tempDir(), 'run.log');
    const log = new RunLog(file, 1 << 20, redact);
    log.output('stdout', Buffer.from('value tok-12345'));
    log.output('stdout', Buffer.from('67890 end\nnext'));
    log.endGate();
    log.close();
    expect(readFileSync(file, 'utf8')).toBe('value [REDACTED:GITHUB_TOKEN] end\nnext\n');
  });
});

describe('requirement helpers', () => {
  it('lists requirement ids once, in order', () => {
    expect(requirementIds('REQ-2 then REQ-12, FR-1.2 and REQ-2 again; not UTF-8 or P1-S03')).toEqual(['REQ-2', 'REQ-12', 'FR-1.2']);
  });

  it('reads dotted paths, including array indexes, and never the prototype', () => {
    expect(valueAtPath({ total: { lines: { pct: 81.5 } } }, 'total.lines.pct')).toBe(81.5);
    expect(valueAtPath({ runs: [{ ms: 3 }] }, 'runs.0.ms')).toBe(3);
    expect(valueAtPath({}, 'constructor.name')).toBeUndefined();
    expect(valueAtPath({ a: null }, 'a.b')).toBeUndefined();
  });
});
