import type { SchemaError } from './ajv.js';
import { ID_PATTERN, ID_RULE } from './ids.js';
import { pointerSegment } from './documents.js';
import { NO_CONTROL_PATTERN } from './schemas.js';
import { truncate } from '../util/text.js';

interface DescribedSchemaError {
  /** JSON pointer of the offending value (or of the missing key's parent). */
  pointer: string;
  /** Whether the place to point at is the key rather than the value. */
  atKey: boolean;
  message: string;
  hint?: string;
}

/**
 * Turns an Ajv error into a message that says what was found and what was expected. `coerced` maps
 * pointers to the source text of unquoted values YAML read as numbers, booleans or null, so the
 * message can show `1.10` rather than the 1.1 YAML made of it.
 */
export function describeSchemaError(
  error: SchemaError,
  data: unknown,
  knownKeys: readonly string[] = [],
  coerced: Readonly<Record<string, string>> = {},
): DescribedSchemaError {
  const pointer = error.instancePath;
  const name = keyName(pointer);
  const value = valueAt(data, pointer);
  // The value in backticks, or what it is when it cannot be shown inline (a list, a mapping, null).
  const found = showValue(value) || typeName(value);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return {
        pointer,
        atKey: true,
        message: `Missing required key \`${missing}\`${name ? ` in \`${name}\`` : ''}`,
        hint: `Add \`${missing}: …\`${name ? ` under \`${name}\`` : ' to the frontmatter'}.`,
      };
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const suggestion = closestKey(extra, knownKeys);
      return {
        pointer: `${pointer}/${pointerSegment(extra)}`,
        atKey: true,
        message: `Unknown key \`${truncate(extra)}\`${name ? ` in \`${name}\`` : ''}`,
        hint: suggestion
          ? `Did you mean \`${suggestion}\`?`
          : 'Remove it, or prefix it with `x-` to keep a field of your own.',
      };
    }
    case 'type': {
      const expected = String(params.type);
      const written = coerced[pointer];
      const quote = expected === 'string' && (written !== undefined || (value !== undefined && typeof value !== 'object'));
      const asWritten = written !== undefined && written !== String(value) ? ` (written \`${truncate(written)}\`)` : '';
      return {
        pointer,
        atKey: false,
        message: `\`${name}\` is ${[typeName(value), showValue(value)].filter(Boolean).join(' ')}${asWritten}, expected ${article(expected)} ${expected}`,
        hint: quote
          ? `Quote the value (\`"${truncate(written ?? String(value))}"\`): YAML reads unquoted numbers, \`true\`/\`false\` and \`null\` as other types.`
          : `Write \`${name}\` as ${article(expected)} ${expected}.`,
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion = typeof value === 'string' ? closestKey(value, allowed) : undefined;
      return {
        pointer,
        atKey: false,
        message: `\`${name}\` is ${found}, expected one of ${allowed.map((v) => `\`${v}\``).join(', ')}`,
        hint: suggestion ? `Did you mean \`${suggestion}\`?` : undefined,
      };
    }
    case 'const':
      return {
        pointer,
        atKey: false,
        message: `\`${name}\` is ${found}, expected \`${String(params.allowedValue)}\``,
      };
    case 'pattern': {
      const isId = params.pattern === ID_PATTERN;
      return {
        pointer,
        atKey: false,
        message: `\`${name}\` is ${found}, expected ${isId ? 'an id' : params.pattern === NO_CONTROL_PATTERN ? 'text without control characters' : `a value matching \`${String(params.pattern)}\``}`,
        hint: isId
          ? ID_RULE
          : patternHint(String(params.pattern)),
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        pointer,
        atKey: false,
        message: `\`${name}\` is ${found}, expected ${String(params.comparison)} ${String(params.limit)}`,
      };
    case 'minLength':
      return { pointer, atKey: false, message: `\`${name}\` is empty, expected text`, hint: `Fill in \`${name}\`.` };
    case 'uniqueItems':
      return {
        pointer,
        atKey: false,
        message: `\`${name}\` lists the same value twice (items ${String(params.j)} and ${String(params.i)}), expected each once`,
        hint: 'Remove the repeated entry.',
      };
    default:
      return { pointer, atKey: false, message: `\`${name || 'frontmatter'}\` ${error.message ?? 'is invalid'}` };
  }
}

function patternHint(pattern: string): string | undefined {
  if (pattern === NO_CONTROL_PATTERN) return 'Remove the control characters (NUL, tab, escape, ... written as `\\0`, `\\t`, `\\e` in a double-quoted YAML value) and bidi overrides (U+202A-U+202E, U+2066-U+2069): titles and owners are plain text on one line.';
  if (pattern.includes('\\d{4}-\\d{2}-\\d{2}T')) return 'Write a UTC timestamp such as `2026-11-21T09:30:00Z`.';
  if (pattern.includes('\\d{4}-\\d{2}-\\d{2}')) return 'Write the date as `YYYY-MM-DD`, e.g. `2026-11-21`.';
  if (pattern.includes('[0-9a-f]{64}')) return 'Write a lowercase hex sha256 (64 characters).';
  if (pattern.includes('[0-9a-f]{40}')) return 'Write a full lowercase commit SHA.';
  return undefined;
}

function keyName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('');
}

function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'the integer' : 'the number';
  if (typeof value === 'boolean') return 'the boolean';
  return `the ${typeof value}`;
}

function showValue(value: unknown): string {
  if (value === null) return '';
  if (typeof value === 'object') return '';
  return `\`${truncate(String(value))}\``;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

/** The known key closest to a misspelt one (`depends-on` -> `depends_on`), if any is close. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  // `-`, `_` and spaces are alike, so `depends-on` finds `depends_on` and `unique_id` finds `unique-id`.
  const normalize = (text: string) => text.toLowerCase().replace(/[-\s]/g, '_');
  const normalized = normalize(key);
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const candidate of known) {
    const distance = editDistance(normalized, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
