import { UsageError } from './errors.js';

/**
 * Ids of phases, stages, gates and decision tags reach file names, git refs and reports, so they are
 * held to a strict allowlist before anything else sees them: a letter first, then letters, digits,
 * `.`, `_` and `-`, at most 100 characters, and no `..` (which git refuses in ref names).
 */
export const ID_PATTERN = '^[A-Za-z](?!.*\\.\\.)[A-Za-z0-9._-]{0,99}$';
const ID_REGEXP = new RegExp(ID_PATTERN);

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_REGEXP.test(value) && !value.endsWith('.') && !value.endsWith('.lock');
}

/** The id rule, said once: the hint of every refused id (and of the schema's id pattern). */
export const ID_RULE = 'Ids start with a letter and hold only letters, digits, `.`, `_` and `-` (at most 100 characters).';

/** An id that breaks the rule; `what` names it (`stage id`, `--stage`), `value` is as given. */
export class InvalidIdError extends UsageError {
  constructor(
    readonly value: unknown,
    readonly what: string,
    message: string,
    example?: string,
  ) {
    super(message, example === undefined ? ID_RULE : `${ID_RULE.slice(0, -1)}, e.g. \`${example}\`.`);
    this.name = 'InvalidIdError';
  }
}

/**
 * THE id check for ids from outside (command line, tag formats): returns the id, or throws
 * InvalidIdError whose hint is `ID_RULE`. `headline` words the refusal for the place the id came from;
 * by default "`<value>` is not a valid <what>".
 */
export function assertValidId(value: unknown, what: string, options: { example?: string; headline?: (shown: string) => string } = {}): string {
  if (isValidId(value)) return value;
  const shown = String(value).slice(0, 80);
  throw new InvalidIdError(value, what, options.headline?.(shown) ?? `\`${shown}\` is not a valid ${what}`, options.example);
}
