import { ownControl, type Colors } from '../format/colors.js';
import { performance } from 'node:perf_hooks';
import type { GateSpec } from '../model/documents.js';
import type { GateResult } from '../model/evidence.js';
import type { RunProgress } from '../gates/run-stage.js';
import type { OutputStream } from './io.js';

/** Back to the line's start and clear it: the redraw of a terminal progress line. */
const REDRAW = ownControl('\r\x1b[K');

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function outcomeLabel(result: GateResult, colors: Colors): string {
  if (result.outcome === 'pass') return colors.green('pass');
  const label = result.severity === 'warning' ? `${result.outcome} (warning)` : result.outcome;
  return result.severity === 'warning' ? colors.yellow(label) : colors.red(label);
}

/**
 * Progress of a gate run: on a terminal, one line per gate with a spinner and the elapsed time,
 * redrawn in place; elsewhere (CI logs, pipes) one plain line per finished gate.
 */
export function gateProgress(stream: OutputStream, colors: Colors): RunProgress & { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let started = 0;
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    gateStarted(gate: GateSpec, index: number, total: number) {
      if (!stream.isTTY) return;
      started = performance.now();
      let frame = 0;
      const draw = () => {
        const elapsed = ((performance.now() - started) / 1000).toFixed(1);
        stream.write(`${REDRAW}${colors.cyan(SPINNER[frame++ % SPINNER.length]!)} [${index + 1}/${total}] ${gate.id} ${colors.dim(`${elapsed}s`)}`);
      };
      draw();
      timer = setInterval(draw, 100);
      timer.unref();
    },
    gateFinished(result: GateResult, index: number, total: number) {
      stop();
      const seconds = (result.duration_ms / 1000).toFixed(1);
      const prefix = stream.isTTY ? REDRAW : '';
      stream.write(`${prefix}[${index + 1}/${total}] ${result.id} ${outcomeLabel(result, colors)} ${colors.dim(`${seconds}s`)} ${result.summary}\n`);
    },
    stop,
  };
}
