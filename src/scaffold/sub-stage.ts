import path from 'node:path';
import { UsageError } from '../model/errors.js';
import { compareStrings } from '../model/diagnostic.js';
import type { ExistingDocuments, ExistingStage } from './existing.js';

/** Sub-stages of a stage get one letter each after its id: P1-S04a, P1-S04b, ... P1-S04z. */
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * Where a sub-stage of `parentId` goes. It shares the parent's `order` (the schema's orders are
 * integers) and the sequence is made explicit with `depends_on`, as duplicate-order requires: the new
 * sub-stage depends on the last of the chain (the parent, or its newest sub-stage), and every stage
 * that depended on that one now depends on the new sub-stage, so the next stage waits for it.
 */
export interface SubStagePlan {
  id: string;
  phase: string;
  order: number;
  dependsOn: string[];
  /** The file name's number part: `04a`, sorting right after the parent's `04-` and before `05-`. */
  position: string;
  /** The phase's folder. */
  folder: string;
  /** Existing stages whose frontmatter gets `depends_on` rewritten, with what it becomes. */
  rewire: Array<{ stage: ExistingStage; dependsOn: string[] }>;
}

export function planSubStage(existing: ExistingDocuments, parentId: string): SubStagePlan {
  const parent = existing.stages.find((stage) => stage.id === parentId);
  if (!parent) throw new UsageError(`No stage has the id \`${parentId}\``, 'Give `--after` the id of an existing stage, e.g. `--after P1-S04`.');
  if (parent.phase === undefined || parent.order === undefined) throw new UsageError(`Stage \`${parentId}\` (${parent.file}) has no valid \`phase\` and \`order\``, `Run \`stagedocs validate ${parent.file}\` and fix it first.`);
  const phase = parent.phase;
  const order = parent.order;
  const siblings = existing.stages.filter((stage) => stage.phase === phase).sort((a, b) => (a.order ?? -1) - (b.order ?? -1) || compareStrings(a.id, b.id));
  const chain = siblings.filter((stage) => stage.id.length === parentId.length + 1 && stage.id.startsWith(parentId) && LETTERS.includes(stage.id.at(-1)!)).sort((a, b) => compareStrings(a.id, b.id));
  const letter = LETTERS[chain.length];
  if (letter === undefined || chain.some((stage, index) => stage.id !== `${parentId}${LETTERS[index]}`)) {
    throw new UsageError(`Stage \`${parentId}\` already has sub-stages ${chain.map((stage) => stage.id).join(', ')}, expected a, b, ... without gaps and at most 26`, 'Split the work differently, or renumber the sub-stages by hand.');
  }
  const last = chain.at(-1) ?? parent;
  const id = `${parentId}${letter}`;
  const taken = existing.stages.find((stage) => stage.id === id) ?? existing.phases.find((candidate) => candidate.id === id);
  if (taken) throw new UsageError(`Id \`${id}\` is already used by ${taken.file}`, 'Rename the document that holds it, then try again.');

  const defaultOf = (stage: ExistingStage): string[] => {
    const before = siblings.filter((other) => (other.order ?? -1) < (stage.order ?? -1) && other.id !== stage.id);
    return before.length > 0 ? [before.at(-1)!.id] : [];
  };
  const rewire: SubStagePlan['rewire'] = [];
  // The tie (the parent and its sub-stages) must carry depends_on explicitly: the parent may rely on the default.
  if (parent.dependsOn === undefined) rewire.push({ stage: parent, dependsOn: defaultOf(parent) });
  for (const stage of siblings) {
    if (stage.id === parent.id || chain.includes(stage)) continue;
    const current = stage.dependsOn ?? ((stage.order ?? -1) > order ? defaultOf(stage) : []);
    if (!current.includes(last.id)) continue;
    rewire.push({ stage, dependsOn: current.map((dependency) => (dependency === last.id ? id : dependency)) });
  }
  const number = /^(\d+)-/.exec(path.posix.basename(parent.file))?.[1] ?? String(order).padStart(2, '0');
  return { id, phase, order, dependsOn: [last.id], position: `${number}${letter}`, folder: path.posix.dirname(parent.file), rewire };
}

/**
 * A stage's text with its `depends_on` set: the `depends_on:` line (flow form) replaced, or a new line
 * after `order:`. Only that line changes, so the diff shows exactly the rewiring. A block-form list is
 * refused rather than rewritten, since rewriting it would touch lines this tool does not own.
 */
export function withDependsOn(file: string, text: string, dependsOn: readonly string[]): string {
  const line = `depends_on: [${dependsOn.map((dependency) => JSON.stringify(dependency)).join(', ')}]`;
  const end = text.indexOf('\n---', 3);
  const frontmatter = end === -1 ? '' : text.slice(0, end);
  const existingLine = /^depends_on:[^\n]*$/m.exec(frontmatter);
  if (existingLine) {
    if (!/^depends_on:\s*\[[^\]\n]*\]\s*$/.test(existingLine[0])) {
      throw new UsageError(`${file} declares \`depends_on\` as a block list, which new-stage --after does not rewrite`, `Write it on one line (\`${line}\`), then try again.`);
    }
    return text.slice(0, existingLine.index) + line + text.slice(existingLine.index + existingLine[0].length);
  }
  const order = /^order:[^\n]*$/m.exec(frontmatter);
  if (!order) throw new UsageError(`${file} has no \`order:\` line in its frontmatter`, `Run \`stagedocs validate ${file}\` and fix it first.`);
  const at = order.index + order[0].length;
  return `${text.slice(0, at)}\n${line}${text.slice(at)}`;
}
