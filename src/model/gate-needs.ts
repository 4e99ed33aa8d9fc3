import type { GateSpec } from './documents.js';

/**
 * `needs` between the gates of one stage: the order they run in, and what is wrong with them. Both
 * `gate run` (the order) and validation (the problems, rule objective-gate) read this module, so a
 * stage that validates runs in the order validate described.
 */

interface NeedsProblem {
  /** Index of the gate in the stage's `gates`, and of the entry in its `needs`. */
  gate: number;
  need: number;
  message: string;
  hint: string;
}

/** Unknown ids, a gate that needs itself, and cycles (reported once, on the entry that closes it). */
export function needsProblems(gates: readonly Pick<GateSpec, 'id' | 'needs'>[]): NeedsProblem[] {
  const problems: NeedsProblem[] = [];
  const ids = new Map(gates.map((gate, index) => [gate.id, index]));
  gates.forEach((gate, index) => {
    (Array.isArray(gate.needs) ? gate.needs : []).forEach((need, position) => {
      if (need === gate.id) problems.push({ gate: index, need: position, message: `needs itself`, hint: `Remove \`${need}\` from its \`needs\`.` });
      else if (!ids.has(need)) {
        problems.push({ gate: index, need: position, message: `needs \`${need}\`, which is not a gate of this stage`, hint: `Expected one of ${[...ids.keys()].filter((id) => id !== gate.id).map((id) => `\`${id}\``).join(', ') || 'no other gate'}.` });
      }
    });
  });
  // A cycle: walking `needs` from a gate comes back to it. Reported on the gate of the cycle that
  // comes first in the stage, at the entry that leads into the cycle.
  const reported = new Set<string>();
  gates.forEach((gate, index) => {
    const path = cycleFrom(gate.id, gates, ids);
    if (!path) return;
    const key = [...new Set(path)].sort().join(' ');
    if (reported.has(key)) return;
    reported.add(key);
    const first = path[1]!;
    problems.push({ gate: index, need: (gate.needs ?? []).indexOf(first), message: `is in a cycle of needs: ${[...path].map((id) => `\`${id}\``).join(' -> ')}`, hint: 'Remove one of the needs of the cycle: a gate runs after the gates it needs, so a cycle has no order.' });
  });
  return problems;
}

/** The ids `start -> ... -> start` when following needs from start returns to it (self-needs aside). */
function cycleFrom(start: string, gates: readonly Pick<GateSpec, 'id' | 'needs'>[], ids: ReadonlyMap<string, number>): string[] | undefined {
  const seen = new Set<string>();
  const walk = (id: string, trail: string[]): string[] | undefined => {
    for (const need of gates[ids.get(id)!]!.needs ?? []) {
      if (need === id || !ids.has(need)) continue;
      if (need === start) return [...trail, need];
      if (seen.has(need)) continue;
      seen.add(need);
      const found = walk(need, [...trail, need]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

/**
 * The gates in an order where each runs after the gates it needs, otherwise as written (stable): the
 * first gate whose needs have all been placed goes next. Gates in a cycle (validation reports it)
 * keep their written order at the end, and are skipped when they run, their prerequisite not passed.
 */
export function orderByNeeds<G extends Pick<GateSpec, 'id' | 'needs'>>(gates: readonly G[]): G[] {
  const present = new Set(gates.map((gate) => gate.id));
  const placed = new Set<string>();
  const remaining = [...gates];
  const ordered: G[] = [];
  while (remaining.length > 0) {
    const next = remaining.findIndex((gate) => (gate.needs ?? []).every((need) => need === gate.id || !present.has(need) || placed.has(need)));
    if (next < 0) break;
    const [gate] = remaining.splice(next, 1);
    ordered.push(gate!);
    placed.add(gate!.id);
  }
  return [...ordered, ...remaining];
}
