import type { GateSpec, GateType } from '../model/documents.js';
import type { GateResult } from '../model/evidence.js';

export { orderByNeeds } from '../model/gate-needs.js';

/**
 * Why a gate cannot run: the first of its `needs` that did not pass (failed, timed out, skipped
 * itself) or did not run before it (left out by `--gate`, or in a cycle). Undefined when it may run.
 */
export function unmetNeed(gate: GateSpec, results: readonly GateResult[]): { need: string; outcome: string } | undefined {
  for (const need of gate.needs ?? []) {
    const ran = results.find((result) => result.id === need);
    if (!ran) return { need, outcome: 'did not run before it' };
    if (ran.outcome !== 'pass') return { need, outcome: ran.outcome };
  }
  return undefined;
}

/** The result of a gate that was not run because a prerequisite did not pass: counted like a failure of its severity. */
export function skippedResult(gate: GateSpec, type: GateType, unmet: { need: string; outcome: string }, at: string): GateResult {
  const because = unmet.outcome === 'did not run before it' ? `its prerequisite \`${unmet.need}\` did not run before it` : `its prerequisite \`${unmet.need}\` ended ${unmet.outcome}`;
  return {
    id: gate.id,
    type,
    severity: gate.severity ?? 'blocking',
    outcome: 'skipped',
    started_at: at,
    finished_at: at,
    duration_ms: 0,
    summary: `not run: ${because}`,
    details: { skipped_because: unmet.need, prerequisite_outcome: unmet.outcome },
  };
}

/**
 * The ids of `wanted` and of every gate they need, transitively. A need that names no gate of the
 * stage (validation reports it) is left out: the gate needing it is then skipped, its prerequisite
 * not having run (`unmetNeed`). Cycles end the walk.
 */
export function withPrerequisites(gates: readonly Pick<GateSpec, 'id' | 'needs'>[], wanted: readonly string[]): Set<string> {
  const byId = new Map(gates.map((gate) => [gate.id, gate]));
  const chosen = new Set<string>();
  const pending = [...wanted];
  while (pending.length > 0) {
    const id = pending.pop()!;
    const gate = byId.get(id);
    if (!gate || chosen.has(id)) continue;
    chosen.add(id);
    pending.push(...(gate.needs ?? []));
  }
  return chosen;
}
