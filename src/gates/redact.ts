import { ConfigError } from '../model/errors.js';

/** Name segments (split on `_`, `-`, `.`) that mark an environment variable's value as a secret. */
const SECRET_SEGMENTS = new Set([
  'KEY', 'APIKEY', 'AUTH', 'CREDENTIAL', 'CREDENTIALS', 'COOKIE', 'SESSION', 'PASSPHRASE', 'PRIVATE', 'SIGNATURE',
  // `MY_PAT` (a personal access token), `DB_PASS`, `JWT`, `OAUTH_...`, `SENTRY_DSN` (holds a key).
  'PAT', 'PASS', 'JWT', 'OAUTH', 'DSN', 'SALT', 'CERT', 'KEYS',
]);
/** Segment endings that mark a secret too (`GITHUB_TOKEN`, `NPMTOKEN`, `DB_PASSWORD`, `APIKEY`, `MYSECRETS`). */
const SECRET_ENDINGS = /(?:TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|PASSWD|PWD|APIKEY|CREDENTIALS?)$/;
/** Prefixes whose every variable is treated as secret (cloud and forge credentials), except the few named below. */
const SECRET_PREFIXES = /^(?:AWS|GH|AZURE|GCP|GOOGLE|NPM|DOCKER|VAULT|STRIPE|TWILIO|SLACK|OPENAI|ANTHROPIC)_/;
const NOT_SECRET = new Set(['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'NPM_CONFIG_CACHE', 'NPM_CONFIG_PREFIX', 'NPM_CONFIG_REGISTRY', 'GH_HOST', 'GOOGLE_CLOUD_PROJECT']);

/**
 * Whether a variable's name looks secret. Whole segments, so `GIT_AUTHOR_NAME` is not mistaken for
 * `AUTH`; `PWD` alone (the working directory) is not a password.
 */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (upper === 'PWD' || upper === 'OLDPWD' || NOT_SECRET.has(upper) || upper.startsWith('NPM_PACKAGE_') || upper.startsWith('NPM_LIFECYCLE_')) return false;
  if (SECRET_PREFIXES.test(upper)) return true;
  return upper
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
  /** The longest text one redaction can replace, when known: a stream must keep this much back. */
  longest?: number;
}

/** A copy of JSON-like data with every string (keys included) redacted: redact values, never serialised text. */
export function redactValues<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactValues(item, redact)) as T;
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[redact(key)] = redactValues(item, redact);
    return result as T;
  }
  return value;
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
  const redactor: Redactor = (text) => {
    let result = text;
    for (const [name, value] of values) result = result.split(value).join(`[REDACTED:${name}]`);
    for (const [label, shape] of TOKEN_SHAPES) result = result.replace(shape, `[REDACTED:${label}]`);
    for (const pattern of configured) result = result.replace(pattern, '[REDACTED]');
    return result;
  };
  // The longest secret value, and 300 for the token shapes (github tokens run to 255 characters).
  redactor.longest = Math.max(300, values[0]?.[1].length ?? 0);
  return redactor;
}
