import type { EntryCheck, PhaseFrontmatter } from '../model/documents.js';
import { runShellCommand } from './process.js';

/** An entry check with a command that did not exit 0, and how it ended. */
export interface FailedEntryCheck {
  check: EntryCheck & { run: string };
  /** `exit 3`, `timed out after 60 s`, `the shell could not start: ...`. */
  outcome: string;
}

/**
 * Runs the `run` checks of a phase's entry (blockers stated as commands) from the repository root, in
 * order, before a gate run of one of its stages; returns those that did not exit 0. Their output is
 * not kept: a check is a precondition of the run, like the progression and freeze checks, and a
 * refused run records nothing.
 */
export async function failedEntryChecks(root: string, phase: PhaseFrontmatter, env: Readonly<Record<string, string | undefined>>, timeoutSeconds: number): Promise<FailedEntryCheck[]> {
  const failed: FailedEntryCheck[] = [];
  for (const check of phase.entry?.checks ?? []) {
    if (check.run === undefined) continue;
    const result = await runShellCommand(check.run, { cwd: root, env, timeoutMs: timeoutSeconds * 1000, onOutput() {} });
    const outcome = result.spawnError
      ? `the shell could not start: ${result.spawnError}`
      : result.timedOut
        ? `timed out after ${timeoutSeconds} s`
        : result.exitCode === 0
          ? undefined
          : result.exitCode === null
            ? `killed by ${result.signal ?? 'a signal'}`
            : `exit ${result.exitCode}`;
    if (outcome !== undefined) failed.push({ check: { ...check, run: check.run }, outcome });
  }
  return failed;
}
