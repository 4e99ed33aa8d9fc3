import { type Config } from '../model/config.js';
import path from 'node:path';
import type { GateSpec } from '../model/documents.js';
import { loadTemplate } from '../render/templates.js';
import { ROOT_CAUSE_PLACEHOLDER } from '../rules/rerun-root-cause.js';
import type { PatternStage } from './patterns.js';

/**
 * View models of the built-in templates. Templates are compiled strict, so every field a template
 * reads is always present: optional values are `null` or empty lists, never missing.
 */

interface StageInput {
  id: string;
  title: string;
  phase: string;
  order: number;
  owner: string;
  estimate: number | null;
  dependsOn: string[];
  content: Omit<PatternStage, 'slug' | 'title' | 'estimate'>;
}

/** The text a stage's sections hold when its author gave none (new-stage). */
export const EMPTY_STAGE_CONTENT: StageInput['content'] = { objectives: [], deliverables: [], gates: [], rollback: '' };

export function renderStage(root: string, config: Config, input: StageInput): string {
  const { content } = input;
  const view = {
    id: input.id,
    title: input.title,
    phase: input.phase,
    order: input.order,
    owner: input.owner,
    estimate: input.estimate,
    depends_on: input.dependsOn,
    freeze: content.freeze ?? null,
    requires_decision: content.requires_decision ?? null,
    decisions_resolved: content.decisions_resolved ?? null,
    contracts: content.contracts ?? [],
    gates: (content.gates ?? []).map(gateView),
    produces: content.produces ?? [],
    protected: content.protected ?? [],
    approvals: content.approvals ? { min: content.approvals.min, from: content.approvals.from ?? [] } : null,
    objectives: content.objectives,
    deliverables: content.deliverables,
    acceptance: content.acceptance ?? [],
    audit: content.audit ?? [],
    impact: content.impact ?? null,
    rollback: content.rollback === '' ? null : content.rollback,
    open_questions: content.open_questions ?? [],
    commands: {
      gate_run: `stagedocs gate run ${input.id}`,
      gate_results: `${config.paths.gate_results}/`,
      audit_pack: `stagedocs audit-pack ${input.id}`,
      sign_off: `stagedocs sign-off ${input.id}`,
      sign_off_tag: config.tags.sign_off.replaceAll('{stage}', input.id),
      rerun: `stagedocs new-decision "Rerun ${input.id}" --stage ${input.id} --rerun-of <run-id>`,
    },
  };
  return loadTemplate(root, config.paths.templates, 'stage.md.hbs')(view);
}

/**
 * A gate as templates see it: `fields`, every key but `id` with its value in the order the pattern
 * gives them (what the built-in template writes, so no field is lost: expect_exit, exclude, needs,
 * artifacts, runs_on, http requests, x- keys), and the older per-field view for the acceptance
 * criteria and for repository overrides written against it.
 */
function gateView(gate: GateSpec) {
  return {
    id: gate.id,
    fields: Object.entries(gate)
      .filter(([key, value]) => key !== 'id' && value !== undefined)
      .map(([key, value]) => ({ key, value: value as unknown })),
    type: gate.type ?? null,
    run: gate.run ?? null,
    metric: gate.metric
      ? {
          file: gate.metric.file,
          path: gate.metric.path,
          has_min: gate.metric.min !== undefined,
          min: gate.metric.min ?? null,
          has_max: gate.metric.max !== undefined,
          max: gate.metric.max ?? null,
        }
      : null,
    include: gate.include ?? [],
    files: gate.files ?? [],
    document: gate.document ?? null,
    has_max_rate: gate.max_rate !== undefined,
    max_rate: gate.max_rate ?? null,
    has_min_rate: gate.min_rate !== undefined,
    min_rate: gate.min_rate ?? null,
    severity: gate.severity ?? 'blocking',
    timeout: gate.timeout ?? null,
  };
}

interface PhaseInput {
  id: string;
  title: string;
  owner: string;
  pattern: string;
  goal: string;
  exit: string[];
  readiness?: { maturity: string; production_gate: string } | undefined;
  /** The contracts every stage of the phase is held to (a pattern's `phase.contracts`). */
  contracts?: string[] | undefined;
}

/** What a pattern that says nothing of readiness scaffolds: a new phase's result is not for production until someone says so. */
const DEFAULT_READINESS = { maturity: 'prototype', production_gate: 'disallowed' } as const;

export function renderPhase(root: string, config: Config, input: PhaseInput): string {
  const view = {
    ...input,
    readiness: input.readiness ?? DEFAULT_READINESS,
    contracts: input.contracts ?? [],
    commands: { status: 'stagedocs status', new_stage: `stagedocs new-stage "<title>" --phase ${input.id}` },
  };
  return loadTemplate(root, config.paths.templates, 'phase.md.hbs')(view);
}

interface DecisionInput {
  tag: string;
  title: string;
  owner: string;
  date: string;
  stages: string[];
  supersedes: string | null;
  rerunOf: string | null;
}

export function renderDecision(root: string, config: Config, input: DecisionInput): string {
  const view = {
    tag: input.tag,
    title: input.title,
    owner: input.owner,
    date: input.date,
    stages: input.stages,
    supersedes: input.supersedes,
    rerun_of: input.rerunOf,
    root_cause_placeholder: ROOT_CAUSE_PLACEHOLDER,
  };
  return loadTemplate(root, config.paths.templates, 'decision.md.hbs')(view);
}

/** The config file `init` writes: the defaults, commented. */
export function renderConfig(root: string, config: Config): string {
  return loadTemplate(root, config.paths.templates, 'stagedocs.config.yaml.hbs')({});
}

/** `stages/<phase>/NN-<slug>.md`. */
export function stageFileName(folder: string, order: number, slug: string): string {
  return path.posix.join(folder, `${String(order).padStart(2, '0')}-${slug}.md`);
}
