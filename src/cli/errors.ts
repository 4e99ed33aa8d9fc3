import path from 'node:path';
import {
  DecisionTagError,
  FileSystemError,
  isErrnoError,
  InvalidRangeError,
  NoInputMatchError,
  NotInGitRepositoryError,
  OptionError,
  RerunRefusedError,
  UnknownRefError,
  UnsafeRefError,
  type RefRole,
  type StagedocsError,
} from '../model/errors.js';

/** The flag (or part of one) the CLI reads each kind of ref from. */
const REF_FLAGS: Record<RefRole, string> = { base: '--base', head: '--head', 'range-base': '--range base', 'range-head': '--range head', current: 'HEAD', 'changed-since': '--changed-since' };

/** The flag each API option is read from. */
const OPTION_FLAGS: Record<string, string> = { gates: '--gate', stages: '--stage', planStages: '--stages', supersedes: '--supersedes', rerunOf: '--rerun-of', linkBase: '--link-base' };

const ROOT_CAUSE = 'Root cause';

/**
 * A file-system failure that no library caller described (a scaffold, init, a hook file): the errno
 * error becomes a FileSystemError naming its file (relative to where the command ran when inside it)
 * and the errno, exit 2, so a full disk or a read-only mount never shows as a stack trace. Anything
 * else is returned unchanged.
 */
export function asFileSystemFailure(error: unknown, cwd: string): unknown {
  if (error instanceof FileSystemError || !isErrnoError(error)) return error;
  // A link or rename names the temporary file first; the file the user knows is the destination.
  const destination = (error as { dest?: unknown }).dest;
  const target = typeof destination === 'string' ? destination : error.path;
  const relative = target !== undefined ? path.relative(cwd, target) : '';
  const file = target === undefined ? 'a file' : relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : target;
  const action = error.syscall === 'mkdir' ? 'create the folder' : error.syscall === 'open' || error.syscall === 'write' || error.syscall === 'link' || error.syscall === 'rename' ? 'write' : error.syscall;
  return new FileSystemError(file, error.code, action ?? 'write');
}

/**
 * What the user reads for an expected failure: the library's typed errors carry data, and their
 * messages and hints in CLI terms (flags, commands) are written here. Other errors keep their own.
 */
export function presentError(error: StagedocsError): { message: string; hint?: string } {
  if (error instanceof NotInGitRepositoryError) return { message: error.message, hint: 'Run `git init` first, or pass --cwd <repository>.' };
  if (error instanceof UnsafeRefError) return { message: `${REF_FLAGS[error.role]} \`${error.ref.slice(0, 80)}\` is not a valid git ref`, hint: error.hint };
  if (error instanceof UnknownRefError) return { message: `${REF_FLAGS[error.role]} \`${error.ref}\` does not name a commit in this repository`, hint: error.hint };
  if (error instanceof InvalidRangeError) return { message: `--range \`${error.value.slice(0, 80)}\` is not of the form <base>..<head>`, hint: error.hint };
  if (error instanceof NoInputMatchError) return { message: `--input \`${error.pattern}\` matches no file`, hint: 'Globs are relative to the repository root, e.g. `--input "config/*.yaml"`.' };
  if (error instanceof DecisionTagError) {
    return error.problem === 'invalid'
      ? { message: `--decision \`${String(error.decisionTag).slice(0, 80)}\` is not a valid decision tag`, hint: 'Decision tags look like `D-2026-11-21-001`.' }
      : {
          message: `--decision \`${error.decisionTag}\` names no decision note`,
          hint: 'Create it with `stagedocs new-decision <title>`, or check `decisions/` for the tag (and run `stagedocs validate`).',
        };
  }
  if (error instanceof RerunRefusedError) return presentRerunRefused(error);
  if (error instanceof OptionError) return { message: `${OPTION_FLAGS[error.option] ?? error.option} \`${error.value.slice(0, 80)}\` ${error.problem}`, hint: error.hint };
  return { message: error.message, hint: error.hint };
}

function presentRerunRefused(error: RerunRefusedError): { message: string; hint: string } {
  const failed = `The last run of \`${error.stageId}\` (${error.failedRunId}) ${error.unfinished ? 'did not finish (its folder has no report.json) and counts as failed' : 'failed'}`;
  switch (error.problem) {
    case 'no-decision':
      return {
        message: `${failed}; a rerun needs --decision <tag> naming a decision note with a \`${ROOT_CAUSE}\` section`,
        hint: `Write a decision note (\`stagedocs new-decision "Rerun after ..."\`) explaining the root cause, then run \`stagedocs gate run ${error.stageId} --decision <tag>\`.`,
      };
    case 'same-decision':
      return {
        message: `${failed} under decision \`${error.decisionTag}\`; a rerun needs a different decision note`,
        hint: 'Write a new decision note for this attempt (it may `supersedes` the old one) with its root cause.',
      };
    case 'unfinished-root-cause':
      return {
        message: `${failed}; the \`${ROOT_CAUSE}\` section of decision \`${error.decisionTag}\` (${error.decisionFile}:${error.sectionLine}) still holds ${error.found ?? 'the scaffold text'}`,
        hint: `Replace it with why ${error.failedRunId} failed, what this attempt changes and why that fixes it; \`stagedocs validate ${error.decisionFile}\` checks it.`,
      };
    case 'invalid-note':
      return {
        message: `${failed}; decision \`${error.decisionTag}\` (${error.decisionFile}) does not validate: ${error.found ?? ''}`,
        hint: `Run \`stagedocs validate ${error.decisionFile}\` and fix it first.`,
      };
    case 'note-status':
      return {
        message: `${failed}; decision \`${error.decisionTag}\` (${error.decisionFile}) is \`${error.found}\`, expected \`proposed\` or \`accepted\``,
        hint: 'A rejected or superseded decision cannot start a new attempt: write a new decision note.',
      };
    case 'other-stage':
      return {
        message: `${failed}; decision \`${error.decisionTag}\` (${error.decisionFile}) is about ${error.found || 'no stage'}, not \`${error.stageId}\``,
        hint: `Name the stage in the note's frontmatter (\`stages: [${error.stageId}]\`), or write a note for this stage (\`stagedocs new-decision "Rerun ${error.stageId}" --stage ${error.stageId} --rerun-of ${error.failedRunId}\`).`,
      };
    case 'other-run':
      return {
        message: `${failed}; decision \`${error.decisionTag}\` (${error.decisionFile}) answers run \`${error.found}\`, not ${error.failedRunId}`,
        hint: `Set \`rerun_of: ${error.failedRunId}\` in the note (with the root cause of that failure), or write a new note.`,
      };
    default:
      return {
        message: `${failed}; decision \`${error.decisionTag}\` (${error.decisionFile}) ${error.problem === 'empty-root-cause' ? `has an empty \`${ROOT_CAUSE}\` section (line ${error.sectionLine})` : `has no \`${ROOT_CAUSE}\` section`}`,
        hint: `Add a \`## ${ROOT_CAUSE}\` section saying why the last run failed and what changed.`,
      };
  }
}
