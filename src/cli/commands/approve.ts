import type { Command } from 'commander';
import { approve, type ApproveOutcome } from '../../api/approve.js';
import { EXIT_FAILED, EXIT_OK } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption } from '../options.js';

interface ApproveFlags {
  format: 'pretty' | 'json';
  comment?: string;
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      "Records your approval of a stage or phase: an annotated tag on HEAD (stagedocs/approvals/<id>/<commit>/<approver key>) whose tagger is you (git's user.email or GIT_COMMITTER_EMAIL) and whose message names the id and the commit. A sign-off of an id with `approvals: { min, from }` needs min distinct approvers, each approving at or after the commit of the passing run it rests on (docs/approvals.md). Refused (exit 1, every reason listed) when the id declares no approvals, you are not in approvals.from, you already approved this commit, the working tree is not clean, it is already signed off, or it has no passing gate run that counts: a reviewer approves evidence.",
    )
    .argument('<id>', 'the stage id (or a phase id)')
    .option('--comment <text>', 'a note for the reviewers, kept in the tag message as one line')
    .addOption(formatOption(['pretty', 'json'] as const, 'pretty'))
    .addHelpText(
      'after',
      examples('stagedocs approve P1-S04', 'stagedocs approve P1-S04 --comment "read the report and the diff"', 'GIT_COMMITTER_EMAIL=bob@example.com stagedocs approve P1-S04', 'stagedocs approve P1 --format json'),
    )
    .action(async (id: string, flags: ApproveFlags, command: Command) => {
      context.setExitCode(await approveAction(id, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function approveAction(id: string, flags: ApproveFlags, io: CliIo): Promise<number> {
  const located = await commandRoot(io, flags.cwd, 'required');
  const outcome = await approve({ root: located, env: io.env, id, comment: flags.comment });
  io.stdout.write(flags.format === 'json' ? `${JSON.stringify(outcome, null, 2)}\n` : describe(outcome));
  return outcome.approved ? EXIT_OK : EXIT_FAILED;
}

function describe(outcome: ApproveOutcome): string {
  if (!outcome.approved) {
    return `${outcome.approver} may not approve ${outcome.kind} ${outcome.id} at ${outcome.commit.slice(0, 12)}:\n${outcome.reasons.map((reason) => `  - ${reason}\n`).join('')}`;
  }
  const quorum = outcome.approvals ? `  ${outcome.approvals.summary}\n` : '';
  return `Approved ${outcome.kind} ${outcome.id} at ${outcome.commit.slice(0, 12)} as ${outcome.approver}: annotated tag ${outcome.tag}.\n${quorum}  Share it: git push origin refs/tags/${outcome.tag}\n`;
}
