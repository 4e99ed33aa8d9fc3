/** Exit codes of the contract: 0 success, 1 the checked thing failed, 2 usage or configuration error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * An expected failure with a message for the user and the exit code it maps to. The CLI prints the
 * message and hint and never a stack trace for these.
 */
export class StagedocsError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'StagedocsError';
  }
}

/** A bad flag, argument or environment (not a git repository, a path outside the repository). */
export class UsageError extends StagedocsError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_USAGE, hint);
    this.name = 'UsageError';
  }
}

/** The configuration cannot be read or is invalid; names the file, line and key. */
export class ConfigError extends StagedocsError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    message: string,
    hint?: string,
  ) {
    super(`${file}:${line}:${column}: ${message}`, EXIT_USAGE, hint);
    this.name = 'ConfigError';
  }
}
