import type { ParsedDocument } from './documents.js';

/** What the per-commit check of protected paths needs of a phase document, at one commit or in the index. */
export interface PhaseState {
  doc: Pick<ParsedDocument, 'file' | 'positions' | 'dataStart'>;
  id: string;
  status: string;
  protected: readonly string[];
  mustNotModify: readonly string[];
}

/** What the per-commit check of protected paths needs of a stage document, at one commit or in the index. */
export interface StageState {
  doc: Pick<ParsedDocument, 'file' | 'positions' | 'dataStart'>;
  id: string;
  /** The phase the stage belongs to: its start starts the phase's protections. */
  phase?: string;
  status: string;
  protected: readonly string[];
}

/** The stage and phase documents of one commit (or of the index), or those a commit changes as they were before it. */
export interface ContractStates {
  stages: readonly StageState[];
  phases: readonly PhaseState[];
}

/** One document's part of `ContractStates`. */
export type ContractState = { kind: 'stage'; state: StageState } | { kind: 'phase'; state: PhaseState };

/** Whether a frontmatter value is a list of strings (the shape every protected list must have). */
export const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * What the per-commit check of protected paths reads of a stage or phase document: the same for the
 * hook (the index) and for every commit of a range, so that CI judges a commit as the hook did. A
 * document whose `id`, `status` or lists have the wrong type protects nothing (its own findings belong
 * to the other rules). Only the positions of the lists' entries are kept (the check places a finding
 * at its pattern), and none when the lists are empty: a state is small enough to keep per document.
 */
export function contractStateOf(doc: ParsedDocument): ContractState | undefined {
  const { kind, data } = doc;
  if ((kind !== 'stage' && kind !== 'phase') || !data || typeof data.id !== 'string' || typeof data.status !== 'string') return undefined;
  const patterns = data.protected ?? [];
  if (!isStrings(patterns)) return undefined;
  if (kind === 'stage') {
    const phase = typeof data.phase === 'string' ? { phase: data.phase } : {};
    return { kind, state: { doc: listPlaces(doc, patterns.length > 0), id: data.id, ...phase, status: data.status, protected: patterns } };
  }
  const agents = data.agents as { must_not_modify?: unknown } | undefined;
  const mustNotModify = (agents && typeof agents === 'object' ? agents.must_not_modify : undefined) ?? [];
  if (!isStrings(mustNotModify)) return undefined;
  return { kind, state: { doc: listPlaces(doc, patterns.length + mustNotModify.length > 0), id: data.id, status: data.status, protected: patterns, mustNotModify } };
}

/** The states of some documents, stages and phases apart, in the documents' order. */
export function contractStatesOf(states: Iterable<ContractState | undefined>): ContractStates {
  const stages: StageState[] = [];
  const phases: PhaseState[] = [];
  for (const entry of states) {
    if (entry?.kind === 'stage') stages.push(entry.state);
    else if (entry?.kind === 'phase') phases.push(entry.state);
  }
  return { stages, phases };
}

/** Pointers whose place a list entry can fall back to (`placeOf` walks up to the block's start). */
const LIST_POINTER = /^(?:#key:)?(?:|\/protected(?:\/.*)?|\/agents|\/agents\/must_not_modify(?:\/.*)?)$/;

/** The document as the check places findings in it: only the positions `placeOf` can reach from a list entry, none without entries. */
function listPlaces(doc: ParsedDocument, hasEntries: boolean): StageState['doc'] {
  const positions: ParsedDocument['positions'] = {};
  if (hasEntries) for (const [pointer, place] of Object.entries(doc.positions)) if (LIST_POINTER.test(pointer)) positions[pointer] = place;
  return { file: doc.file, positions, dataStart: doc.dataStart };
}
