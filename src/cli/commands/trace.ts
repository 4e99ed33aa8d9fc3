import type { Command } from 'commander';
import { trace, type StageTrace } from '../../api/trace.js';
import { assertStageId } from '../../gates/stage-model.js';
import { EXIT_OK } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption } from '../options.js';

export function register(command: Command, context: CommandContext): void {
  command
    .description("Lists the commits that touched the stage's document, decision note, freeze file and evidence folders, its gate runs (each marked when it does not count for the verdict, and why), the verdict, its sign-off tag and its approvals (who, when, at which commit, and whether each counts).")
    .argument('<stage-id>', 'the stage to trace')
    .addOption(formatOption(['pretty', 'json'] as const, 'pretty'))
    .addHelpText('after', examples('stagedocs trace P1-S03', 'stagedocs trace P1-S03 --format json | jq .commits'))
    .action(async (id: string, flags: { format: 'pretty' | 'json' }, command: Command) => {
      context.setExitCode(await traceAction(id, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function traceAction(id: string, flags: { format: 'pretty' | 'json'; cwd?: string }, io: CliIo): Promise<number> {
  assertStageId(id);
  const located = await commandRoot(io, flags.cwd, 'required');
  const result = await trace({ root: located, env: io.env, stage: id });
  // Partial history must not read as the whole story: said on stderr, and in the JSON as `notes`.
  if (flags.format !== 'json') for (const note of result.notes ?? []) io.stderr.write(`warning: ${note}\n`);
  io.stdout.write(flags.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : pretty(result));
  return EXIT_OK;
}

function pretty(trace: StageTrace): string {
  const lines = [`Stage ${trace.stage.id}: ${oneLine(trace.stage.title)} (phase ${trace.stage.phase}, ${trace.stage.status})`, `  document: ${trace.paths.stage}`];
  if (trace.paths.decision.length > 0) lines.push(`  decision: ${trace.paths.decision.join(', ')}`);
  lines.push(`  freeze:   ${trace.paths.freeze.join(', ')}`, `  evidence: ${trace.paths.evidence}`, '', `Commits (${trace.commits.length}, newest first):`);
  for (const commit of trace.commits) {
    lines.push(`  ${commit.short_sha} ${commit.date} ${oneLine(commit.subject)}`);
    for (const file of commit.files) lines.push(`      ${file.status} ${file.path}`);
  }
  if (trace.commits.length === 0) lines.push('  (none)');
  lines.push('', `Gate runs (${trace.runs.length}):`);
  for (const run of trace.runs) {
    const outcome = run.overall_pass === null ? `unusable: ${run.problem}` : run.overall_pass ? 'pass' : `fail (${run.blocking_failures} blocking)`;
    lines.push(`  ${run.run_id}  ${outcome}  commit ${run.commit?.slice(0, 12) ?? '-'}  report sha256 ${run.report_sha256 ?? '-'}`);
    // What the verdict made of the run: a pass that does not count is no pass.
    if (run.report_sha256 !== null && !run.counts) lines.push(`      does not count: ${run.not_counted_because!.join('; ')}`);
  }
  if (trace.runs.length === 0) lines.push('  (none)');
  lines.push('', `Verdict: ${trace.verdict.state}${trace.verdict.passed ? ', passed' : ', not passed'}; ${trace.verdict.sign_off_allowed ? 'sign-off allowed' : 'sign-off not allowed'}`, `  next: ${oneLine(trace.verdict.next_action)}`);
  lines.push('', `Tags (${trace.tags.length}):`);
  for (const tag of trace.tags) lines.push(`  ${tag.name} -> ${tag.commit.slice(0, 12)} ${tag.date}`);
  if (trace.tags.length === 0) lines.push('  (none)');
  if (trace.approvals) {
    lines.push('', `Approvals: ${oneLine(trace.approvals.summary.replace(/^approvals: /, ''))}`);
    for (const approval of trace.approvals.approvals) {
      const verdict = approval.counts ? 'counts' : `does not count: ${approval.not_counted_because!.join('; ')}`;
      lines.push(`  ${oneLine(approval.approver) || '(no tagger)'}  ${approval.date || '-'}  commit ${approval.commit.slice(0, 12)}  ${oneLine(verdict)}`);
      if (approval.comment) lines.push(`      comment: ${oneLine(approval.comment)}`);
    }
    if (trace.approvals.approvals.length === 0) lines.push('  (none)');
  }
  return `${lines.join('\n')}\n`;
}

/** Titles and subjects are untrusted: one line, control characters removed. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
