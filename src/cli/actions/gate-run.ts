import { runGates } from '../../api/run-gates.js';
import { colorsFor } from '../../format/colors.js';
import { EXIT_FAILED, EXIT_OK } from '../../model/errors.js';
import type { GateRunFlags } from '../commands/gate.js';
import { workingDirectory } from '../context.js';
import { type CliIo } from '../io.js';
import { gateProgress } from '../progress.js';

export async function gateRunAction(stageId: string, flags: GateRunFlags, io: CliIo): Promise<number> {
  const root = workingDirectory(io, flags.cwd);
  const stream = flags.format === 'json' ? io.stderr : io.stdout;
  const colors = colorsFor(stream, io.env);
  const progress = gateProgress(stream, colors);
  const interrupt = new AbortController();
  const restoreSignals = io.onInterrupt?.(() => interrupt.abort());
  let outcome;
  try {
    outcome = await runGates({
      root,
      stage: stageId,
      env: io.env,
      gates: flags.gate,
      decision: flags.decision,
      timeout: flags.timeout,
      now: () => io.now(),
      nodeVersion: io.nodeVersion ?? 'unknown',
      progress,
      signal: interrupt.signal,
    });
  } finally {
    progress.stop();
    restoreSignals?.();
  }
  const { report } = outcome;
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify({ ...report, run_dir: outcome.runDir }, null, 2)}\n`);
  } else {
    const verdict = report.interrupted ? colors.red('INTERRUPTED') : report.overall_pass ? colors.green('PASS') : colors.red('FAIL');
    const counts = `${report.blocking_failures} blocking failure${report.blocking_failures === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`;
    io.stdout.write(`${verdict} ${report.stage_id}: ${counts}\nEvidence: ${outcome.runDir}/ (report.md, run.log)\n`);
    if (outcome.logDropped > 0) io.stdout.write(`run.log was capped at ${outcome.logLimitBytes} bytes; ${outcome.logDropped} bytes of output were dropped.\n`);
    for (const gate of report.gates) {
      const tail = gate.outcome === 'pass' ? undefined : (gate.details?.output_tail as string[] | undefined);
      if (tail?.length) io.stdout.write(`\n${colors.bold(`Last output of ${gate.id}`)} (${gate.summary}):\n${tail.map((line) => `  ${line}`).join('\n')}\n`);
    }
    if (report.interrupted) {
      io.stdout.write(`${colors.dim('hint:')} the run was interrupted and recorded as such (it does not pass, and a rerun needs no decision note).\n`);
    } else if (!report.overall_pass) {
      io.stdout.write(`${colors.dim('hint:')} the failed run is kept; a rerun needs \`--decision <tag>\` naming a new decision note with a Root cause section.\n`);
    }
  }
  return report.overall_pass ? EXIT_OK : EXIT_FAILED;
}
