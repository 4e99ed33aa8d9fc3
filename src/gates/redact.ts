import { ConfigError } from '../model/errors.js';

/** Name segments (split on `_`, `-`, `.`) that mark an environment variable's value as a secret. */
const SECRET_SEGMENTS = new Set(['KEY', 'APIKEY', 'AUTH', 'CREDENTIAL', 'CREDENTIALS', 'COOKIE', 'SESSION', 'PASSPHRASE', 'PRIVATE', 'SIGNATURE']);
/** Segment endings that mark a secret too (`GITHUB_TOKEN`, `NPMTOKEN`, `DB_PASSWORD`). */
const SECRET_ENDINGS = /(?:TOKEN|SECRET|PASSWORD|PASSWD|PWD)$/;

/**
 * Whether a variable's name looks secret. Whole segments, so `GIT_AUTHOR_NAME` is not mistaken for
 * `AUTH`; `PWD` alone (the working directory) is not a password.
 */
export function isSecretName(name: string): boolean {
  if (name === 'PWD' || name === 'OLDPWD') return false;
  return name
    .toUpperCase()
    .split(/[_.-]/)
    .some((segment) => SECRET_SEGMENTS.has(segment) || SECRET_ENDINGS.test(segment));
}

/** Values shorter than this are not redacted: `1` or `true` would blank out half the log. */
const MIN_SECRET_LENGTH = 6;

/** Shapes of well-known tokens, redacted wherever they appear. */
const TOKEN_SHAPES: ReadonlyArray<[string, RegExp]> = [
  ['github-token', /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,255}\b/g],
  ['github-token', /\bgithub_pat_[A-Za-z0-9_]{20,255}\b/g],
  ['aws-access-key', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ['slack-token', /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g],
  ['api-key', /\bsk-[A-Za-z0-9_-]{20,}\b/g],
  ['npm-token', /\bnpm_[A-Za-z0-9]{36}\b/g],
  ['bearer', /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g],
  ['basic-auth-url', /(?<=\/\/)[^\s/:@]+:[^\s/@]+(?=@)/g],
];

export interface Redactor {
  (text: string): string;
}

/**
 * Builds the redactor applied to everything a run writes (log, command record, environment, reports):
 * values of environment variables whose names look secret, common token shapes, and the
 * configuration's `gates.redact` patterns (regular expressions). Longest values first, so that a
 * secret containing another is removed whole.
 */
export function makeRedactor(env: Readonly<Record<string, string | undefined>>, patterns: readonly string[]): Redactor {
  const values = Object.entries(env)
    .filter(([name, value]) => value !== undefined && value.length >= MIN_SECRET_LENGTH && isSecretName(name))
    .map(([name, value]) => [name, value!] as const)
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const configured = patterns.map((pattern, index) => {
    try {
      return new RegExp(pattern, 'g');
    } catch (error) {
      throw new ConfigError('stagedocs.config.yaml', 1, 1, `gates.redact[${index}] \`${pattern}\` is not a valid regular expression: ${(error as Error).message}`);
    }
  });
  return (text) => {
    let result = text;
    for (const [name, value] of values) result = result.split(value).join(`[REDACTED:${name}]`);
    for (const [label, shape] of TOKEN_SHAPES) result = result.replace(shape, `[REDACTED:${label}]`);
    for (const pattern of configured) result = result.replace(pattern, '[REDACTED]');
    return result;
  };
}
