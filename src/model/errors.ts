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

/** A command that needs git was started outside a git work tree. */
export class NotInGitRepositoryError extends UsageError {
  constructor(readonly dir: string) {
    super(`${dir} is not inside a git repository`);
    this.name = 'NotInGitRepositoryError';
  }
}

/** The stagedocs root lies outside the work tree git reports for it (GIT_DIR / GIT_WORK_TREE point elsewhere). */
export class RootOutsideWorkTreeError extends UsageError {
  constructor(
    readonly root: string,
    readonly gitTop: string,
  ) {
    super(`${root} is not inside the git work tree ${gitTop}`, 'Run stagedocs from inside the work tree, or unset GIT_DIR and GIT_WORK_TREE.');
    this.name = 'RootOutsideWorkTreeError';
  }
}

/** What a user-given ref is for: the front end names it (a flag, a part of one). */
export type RefRole = 'base' | 'head' | 'range-base' | 'range-head' | 'current' | 'changed-since';

/** A ref that fails the allowlist (it could be an option such as `--output=<path>`). */
export class UnsafeRefError extends UsageError {
  constructor(
    readonly ref: string,
    readonly role: RefRole,
  ) {
    super(`\`${ref.slice(0, 80)}\` is not a valid git ref`, 'Give a branch, tag or commit SHA such as `main`, `origin/main`, `v1.2.0` or `HEAD~3`.');
    this.name = 'UnsafeRefError';
  }
}

/** A ref that names no commit of the repository. */
export class UnknownRefError extends UsageError {
  constructor(
    readonly ref: string,
    readonly role: RefRole,
  ) {
    super(`\`${ref}\` does not name a commit in this repository`, 'Fetch it first (`git fetch origin <ref>`), or check the spelling.');
    this.name = 'UnknownRefError';
  }
}

/** A range that is not `<base>..<head>`. */
export class InvalidRangeError extends UsageError {
  constructor(readonly value: string) {
    super(`\`${value.slice(0, 80)}\` is not of the form <base>..<head>`, 'Give two refs joined by two dots, such as `origin/main..HEAD`.');
    this.name = 'InvalidRangeError';
  }
}

/** A freeze input glob that matches no file. */
export class NoInputMatchError extends UsageError {
  constructor(readonly pattern: string) {
    super(`input glob \`${pattern}\` matches no file`, 'Globs are relative to the repository root.');
    this.name = 'NoInputMatchError';
  }
}

/** A decision tag that is not an id, or names no (schema-valid) decision note. */
export class DecisionTagError extends UsageError {
  constructor(
    readonly decisionTag: string,
    readonly problem: 'invalid' | 'unknown',
  ) {
    super(problem === 'invalid' ? `\`${String(decisionTag).slice(0, 80)}\` is not a valid decision tag` : `decision \`${decisionTag}\` names no decision note`);
    this.name = 'DecisionTagError';
  }
}

/**
 * A rerun refused by the failure policy: the last run of the stage failed, and the next one needs a
 * new decision note whose `Root cause` section explains it. Exit 1 (the checked policy failed).
 */
export type RerunProblem =
  | 'no-decision'
  | 'same-decision'
  | 'no-root-cause'
  | 'empty-root-cause'
  | 'unfinished-root-cause'
  | 'invalid-note'
  | 'note-status'
  | 'other-stage'
  | 'other-run';

export class RerunRefusedError extends StagedocsError {
  constructor(
    readonly stageId: string,
    readonly failedRunId: string,
    readonly problem: RerunProblem,
    readonly decisionTag?: string,
    /** The decision note (every problem but no-decision and same-decision). */
    readonly decisionFile?: string,
    /** The line of the empty section (empty-root-cause), of the unfinished text (unfinished-root-cause) or of the first error (invalid-note). */
    readonly sectionLine?: number,
    /** What was found: the note's status (note-status), the stages it names (other-stage), the run it answers (other-run), the first error (invalid-note). */
    readonly found?: string,
    /** The last run never finished (no report.json: killed, or stopped by a full disk): a failed attempt all the same. */
    readonly unfinished = false,
  ) {
    super(`The last run of \`${stageId}\` (${failedRunId}) ${unfinished ? 'did not finish' : 'failed'}; a rerun needs a new decision note with a root cause (${problem})`, EXIT_FAILED);
    this.name = 'RerunRefusedError';
  }
}

/**
 * A request option whose value the library cannot use. `option` is the API's name of it (`gates`,
 * `stages`): the CLI presents it under the flag it reads that option from.
 */
export class OptionError extends UsageError {
  constructor(
    readonly option: string,
    readonly value: string,
    readonly problem: string,
    hint?: string,
  ) {
    super(`${option} \`${value.slice(0, 80)}\` ${problem}`, hint);
    this.name = 'OptionError';
  }
}

/** What the system said, for the errno codes a user can act on (full disk, read-only mount, rights). */
const ERRNO_MEANINGS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EFBIG: 'file too large',
  ENAMETOOLONG: 'file name too long',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  EBUSY: 'resource busy',
};

/** A Node error from a system call (`code` such as `ENOSPC`, `syscall` such as `write`). */
export function isErrnoError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((error as NodeJS.ErrnoException).code!) && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * A file could not be written (or read) because of the file system: full disk, read-only mount,
 * missing rights, an I/O error. Exit 2 (the environment is wrong, not the checked thing); the message
 * names the file and the errno, and `state` says what was left behind and what to do next.
 */
export class FileSystemError extends StagedocsError {
  constructor(
    /** The file or folder the operation was about, as the user knows it (repository-relative where possible). */
    readonly file: string,
    /** The errno code: `ENOSPC`, `EROFS`, `EACCES`, ... */
    readonly code: string,
    /** What stagedocs was doing: `write`, `create the folder`, `append to`, ... */
    readonly action: string,
    /** What remains on disk after the failure and how to recover, when there is something to say. */
    readonly state?: string,
  ) {
    super(`Could not ${action} ${file}: ${code} (${ERRNO_MEANINGS[code] ?? 'system error'})${state ? `; ${state}` : ''}`, EXIT_USAGE, fileSystemHint(code));
    this.name = 'FileSystemError';
  }
}

function fileSystemHint(code: string): string {
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') return 'Free some space (or raise the quota), then run the command again.';
  if (code === 'EROFS') return 'The folder is on a read-only mount: remount it writable or run from a writable checkout.';
  if (code === 'EACCES' || code === 'EPERM') return 'Give the user running stagedocs write access to the file and its folder.';
  return 'Check the disk and the file, then run the command again.';
}

/**
 * `error` as a FileSystemError about `file` when it is an errno error, otherwise unchanged (a bug,
 * which keeps its stack). A FileSystemError passes through: the innermost caller knows the file best.
 */
export function asFileSystemError(error: unknown, file: string, action: string, state?: string): unknown {
  if (error instanceof FileSystemError) return state && !error.state ? new FileSystemError(error.file, error.code, error.action, state) : error;
  return isErrnoError(error) ? new FileSystemError(file, error.code, action, state) : error;
}
