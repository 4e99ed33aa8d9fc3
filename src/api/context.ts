import { stageGatesWithOrigin } from '../model/contracts.js';
import { assessStage as assessLoadedStage, comparePhaseIds, type AssessmentContext } from '../audit/assess.js';
import type { Env } from '../git/exec.js';
import { gateType, type GateSpec, type ParsedDocument, type StageFrontmatter } from '../model/documents.js';
import { buildCommand } from '../gates/build.js';
import { UsageError } from '../model/errors.js';
import { dependenciesOf, stageById, stagesOfPhase, type Typed } from '../model/repository.js';
import { findSection } from '../model/sections.js';
import { markdownBlockquote, markdownCode, markdownHeading, markdownInline, markdownParts, type InlinePart } from '../render/escape.js';
import { assessmentContext } from './assess.js';
import type { RootInput } from './root.js';

/** The default bound of `stagedocs context` output, in characters: a comfortable share of an agent's context window. */
export const DEFAULT_CONTEXT_MAX_CHARS = 20_000;

export interface ContextRequest {
  /** The repository: a folder in it, or the root `resolveRoot` gave. */
  root: RootInput;
  /** The environment git runs with (for the sign-off tags). */
  env: Env;
  /** The stage to hand over; default the next one to work on (see `nextStageId`). */
  stage?: string;
}

/** A gate as the handoff shows it: what runs and how it is judged. */
interface ContextGate {
  id: string;
  type: string;
  severity: 'blocking' | 'warning';
  /** The command of a `run` or `metric` gate, exactly as `gate run` executes it. */
  command?: string;
  /** What a measured requirement checks (`no-stubs` in src/**, `metric` total.lines.pct >= 70). */
  requirement?: string;
  timeout?: number;
  /** The outcome contract the gate is a requirement of; absent for the stage's own gates. */
  contract?: string;
}

interface ContextDependency {
  id: string;
  title: string;
  status: string;
  state: string;
  /** The last run of the dependency passed, or it was signed off. */
  passed: boolean;
  lastRun: string | null;
}

interface ContextRun {
  runId: string;
  pass: boolean;
  decision: string | null;
  /** The gates that did not pass, with their one-line summaries. */
  failures: Array<{ gate: string; severity: string; outcome: string; summary: string }>;
}

interface ContextDecision {
  tag: string;
  title: string;
  status: string;
  file: string;
  /** The decision's `Root cause` section, when it has one. */
  rootCause: string | null;
}

/** The working contract of a stage: what a person or an agent needs to pick up the work. */
export interface StageContext {
  /** Whether the stage was asked for or chosen as the next one to work on. */
  selection: 'given' | 'next';
  phase: {
    id: string;
    title: string | null;
    status: string | null;
    file: string | null;
    goal: string | null;
    exit: string[];
    exitDefinition: string | null;
    /** The phase's `protected` paths (they hold for its whole life), when it declares them. */
    protected: string[];
  };
  stage: {
    id: string;
    title: string;
    status: string;
    file: string;
    owner: string | null;
    estimate: number | null;
    objectives: string | null;
    deliverables: string | null;
    acceptanceCriteria: string[];
    produces: string[];
    decision: string | null;
    freeze: string | null;
  };
  gates: ContextGate[];
  /** The command that runs every gate of the stage and records the evidence. */
  gateCommand: string;
  paths: {
    /** The stage's `protected:` globs: no change while it is open. */
    protected: string[];
    /** The phase's `agents.may_modify` globs: when set, agents change only these. */
    mayModify: string[];
    /** The phase's `agents.must_not_modify` globs. */
    mustNotModify: string[];
    /** Evidence is written by `stagedocs gate run`, never by hand. */
    evidence: string;
  };
  upstream: ContextDependency[];
  runs: ContextRun[];
  decisions: ContextDecision[];
  openQuestions: string | null;
  verdict: {
    state: string;
    nextAction: string;
    /** The same, in parts: commands as code. */
    nextActionParts: InlinePart[];
    nextActionKind: string;
    blockers: string[];
    signOffAllowed: boolean;
    /** Its approvals in a line (`approvals: 1 of 2 (missing: b@example.com)`); null when it declares none. */
    approvals: string | null;
  };
  /** What the size bound left out, in words; empty when nothing was cut. */
  omitted: string[];
}

/** What `context` returns: the data (what `--format json` prints) and its bounded renderings. */
export interface ContextResult {
  context: StageContext;
  /** The handoff as markdown (content from the documents escaped so it stays inert), at most `maxChars` characters. */
  markdown(maxChars?: number): string;
  /** The handoff as JSON text, at most `maxChars` characters. */
  json(maxChars?: number): string;
}

/**
 * The handoff of a stage: its phase's goal and exit, its objectives, acceptance criteria, gates with
 * their commands, the paths it protects and those agents may change, its upstream verdicts, runs,
 * failures and their root causes, open questions and the next action. Without a stage, the next one
 * to work on. Deterministic: the same repository state gives the same bytes (no clock is read).
 * Throws `UsageError` for an unknown stage, or when no stage is left to work on.
 */
export async function stageContext(request: ContextRequest): Promise<ContextResult> {
  const assessment = await assessmentContext(request);
  const stage = request.stage === undefined ? nextStage(assessment) : stageById(assessment.model, request.stage);
  if (!stage) {
    if (request.stage !== undefined) throw new UsageError(`No stage has the id \`${request.stage}\``, 'Check the id with `stagedocs status`; a stage with schema errors is not counted (run `stagedocs validate`).');
    throw new UsageError(
      'No stage is ready to work on: every stage is done, or waits for a dependency that has not passed',
      'See `stagedocs status` for what each stage waits for.',
    );
  }
  const context = buildContext(assessment, stage, request.stage === undefined ? 'next' : 'given');
  return {
    context,
    markdown: (maxChars = DEFAULT_CONTEXT_MAX_CHARS) => fit(context, maxChars, renderMarkdown),
    json: (maxChars = DEFAULT_CONTEXT_MAX_CHARS) => fit(context, maxChars, (value) => `${JSON.stringify(value, null, 2)}\n`),
  };
}

/** The id of the stage `stagedocs context` picks without one, or undefined when none is ready. */
export async function nextStageId(request: Omit<ContextRequest, 'stage'>): Promise<string | undefined> {
  return nextStage(await assessmentContext(request))?.data.id;
}

/** The first stage, in phase and stage order, that is not done and whose dependencies all passed. */
function nextStage(assessment: AssessmentContext): Typed<StageFrontmatter> | undefined {
  const { model } = assessment;
  const phaseIds = [...new Set(model.stages.map((stage) => stage.data.phase))].sort(comparePhaseIds);
  for (const phaseId of phaseIds) {
    for (const stage of stagesOfPhase(model, phaseId)) {
      if (stage.data.status === 'done') continue;
      const verdict = assessLoadedStage(assessment, stage);
      if (verdict.state === 'done') continue;
      if (verdict.blockerDetails.some((blocker) => blocker.cause === 'dependency-missing' || blocker.cause === 'dependency-not-passed')) continue;
      return stage;
    }
  }
  return undefined;
}

function buildContext(assessment: AssessmentContext, stage: Typed<StageFrontmatter>, selection: StageContext['selection']): StageContext {
  const { model } = assessment;
  const data = stage.data;
  const verdict = assessLoadedStage(assessment, stage);
  const phaseDoc = phaseDocument(model.documents, data.phase);
  const phaseData = (phaseDoc?.data ?? {}) as Record<string, unknown>;
  const agents = (isRecord(phaseData.agents) ? phaseData.agents : {}) as Record<string, unknown>;

  const upstream = dependenciesOf(model, data).map((id): ContextDependency => {
    const other = stageById(model, id);
    if (!other) return { id, title: '', status: 'missing', state: 'missing', passed: false, lastRun: null };
    const otherVerdict = assessLoadedStage(assessment, other);
    // The one verdict: signed off, or a passing run that counts (the newest run may not count).
    const passed = otherVerdict.passed;
    return { id, title: other.data.title, status: other.data.status, state: otherVerdict.state, passed, lastRun: otherVerdict.lastRun?.run_id ?? null };
  });

  const runs = verdict.runs.map(
    (run): ContextRun => ({
      runId: run.run_id,
      pass: run.overall_pass,
      decision: run.decision_tag,
      failures: run.gates.filter((gate) => gate.outcome !== 'pass').map((gate) => ({ gate: gate.id, severity: gate.severity, outcome: gate.outcome, summary: gate.summary })),
    }),
  );

  const decisions = model.decisions
    .filter((decision) => decision.data.stages?.includes(data.id) || decision.data.decision_tag === data.decision)
    .map(
      (decision): ContextDecision => ({
        tag: decision.data.decision_tag,
        title: decision.data.title,
        status: decision.data.status,
        file: decision.doc.file,
        rootCause: sectionText(decision.doc, 'Root cause'),
      }),
    )
    .sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));

  return {
    selection,
    phase: {
      id: data.phase,
      title: typeof phaseData.title === 'string' ? phaseData.title : null,
      status: typeof phaseData.status === 'string' ? phaseData.status : null,
      file: phaseDoc?.file ?? null,
      goal: phaseDoc ? sectionText(phaseDoc, 'Goal') : null,
      // The prose list, or the criteria of the structured exit (docs/phases.md).
      exit: stringList(isRecord(phaseData.exit) ? phaseData.exit.criteria : phaseData.exit),
      exitDefinition: phaseDoc ? sectionText(phaseDoc, 'Exit Definition') : null,
      protected: stringList(phaseData.protected),
    },
    stage: {
      id: data.id,
      title: data.title,
      status: data.status,
      file: stage.doc.file,
      owner: data.owner ?? null,
      estimate: data.estimate ?? null,
      objectives: sectionText(stage.doc, 'Objectives'),
      deliverables: sectionText(stage.doc, 'Deliverables'),
      acceptanceCriteria: findSection(stage.doc, 'Acceptance Criteria')?.items.map((item) => item.text.trim()) ?? [],
      produces: data.produces ?? [],
      decision: data.decision ?? null,
      freeze: data.freeze ?? null,
    },
    gates: stageGatesWithOrigin(model, data).map(({ gate, contract }) => ({ ...contextGate(gate), ...(contract !== undefined ? { contract } : {}) })),
    gateCommand: `stagedocs gate run ${data.id}`,
    paths: {
      protected: data.protected ?? [],
      mayModify: stringList(agents.may_modify),
      mustNotModify: stringList(agents.must_not_modify),
      evidence: `${model.config.paths.gate_results}/`,
    },
    upstream,
    runs,
    decisions,
    openQuestions: sectionText(stage.doc, 'Open Questions'),
    verdict: {
      state: verdict.state,
      nextAction: verdict.nextAction,
      nextActionParts: verdict.nextActionParts,
      nextActionKind: verdict.nextActionKind,
      blockers: verdict.blockers,
      signOffAllowed: verdict.signOffAllowed,
      approvals: verdict.approvals?.summary ?? null,
    },
    omitted: [],
  };
}

function contextGate(gate: GateSpec): ContextGate {
  const type = gateType(gate);
  const result: ContextGate = { id: gate.id, type, severity: gate.severity ?? 'blocking' };
  if (gate.run !== undefined) result.command = gate.run;
  if (gate.timeout !== undefined) result.timeout = gate.timeout;
  if (type === 'metric' && gate.metric) {
    const bounds = [gate.metric.min !== undefined ? `>= ${gate.metric.min}` : '', gate.metric.max !== undefined ? `<= ${gate.metric.max}` : ''].filter(Boolean).join(' and ');
    result.requirement = `${gate.metric.path} in ${gate.metric.file} ${bounds}`.trim();
  } else if (type === 'no-stubs') {
    result.requirement = `stub rate of ${(gate.include ?? []).join(', ') || 'the included files'} at most ${gate.max_rate ?? 0}`;
  } else if (type === 'prd-trace') {
    result.requirement = `requirements of ${gate.document ?? 'the PRD'} referenced in ${(gate.include ?? []).join(', ')} at least ${gate.min_rate ?? 1}`;
  } else if (type === 'produces') {
    result.requirement = `files exist: ${(gate.files ?? []).join(', ')}`;
  } else if (type === 'build') {
    result.requirement = `\`${buildCommand(gate) ?? 'the build'}\` exits 0`;
  } else if (type === 'coverage' && gate.coverage) {
    result.requirement = `${Object.entries(gate.coverage.min).map(([metric, min]) => `${metric} >= ${min}%`).join(', ')} in ${gate.coverage.file}`;
  } else if (type === 'http') {
    result.requirement = `\`${gate.start ?? ''}\` serves: ${(gate.requests ?? []).map((request) => `${request.method ?? 'GET'} ${request.path ?? request.url} -> ${request.expect.status}`).join(', ')}${gate.no_status?.length ? `; never ${gate.no_status.join(', ')}` : ''}`;
  }
  if (gate.needs?.length) result.requirement = `${result.requirement ?? ''}${result.requirement ? '; ' : ''}runs after ${gate.needs.join(', ')} passed`;
  if (gate.description !== undefined && result.requirement === undefined && result.command === undefined) result.requirement = gate.description;
  return result;
}

/** The phase document with this id: read from its frontmatter even when it has keys its schema does not know yet. */
function phaseDocument(documents: readonly ParsedDocument[], id: string): ParsedDocument | undefined {
  return documents.find((doc) => doc.kind === 'phase' && doc.data?.id === id);
}

function sectionText(doc: Pick<ParsedDocument, 'sections'>, title: string): string | null {
  const section = findSection(doc, title);
  if (!section || section.empty) return null;
  return section.text.trim();
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Texts longer than this are cut first when the handoff does not fit. */
const CUT_TEXT = 600;
/** Runs kept when the handoff does not fit: the most recent ones. */
const KEPT_RUNS = 3;

/**
 * Renders the context within `maxChars`: whole when it fits; otherwise older runs go first, then long
 * texts are cut, then whole parts are dropped, least needed first, each named in `omitted`.
 */
function fit(context: StageContext, maxChars: number, render: (context: StageContext) => string): string {
  let current = context;
  let text = render(current);
  if (text.length <= maxChars) return text;
  const steps: Array<(value: StageContext) => StageContext> = [
    (value) =>
      value.runs.length > KEPT_RUNS ? { ...value, runs: value.runs.slice(-KEPT_RUNS), omitted: [...value.omitted, `${value.runs.length - KEPT_RUNS} older runs (see \`stagedocs trace ${value.stage.id}\`)`] } : value,
    (value) => cutTexts(value),
    (value) => (value.decisions.length > 0 ? { ...value, decisions: [], omitted: [...value.omitted, `${value.decisions.length} decision notes naming the stage`] } : value),
    (value) => (value.runs.length > 0 ? { ...value, runs: [], omitted: [...value.omitted, 'the runs'] } : value),
    (value) =>
      value.upstream.length > 0 ? { ...value, upstream: value.upstream.filter((dependency) => !dependency.passed), omitted: [...value.omitted, 'dependencies that passed'] } : value,
    (value) => ({ ...value, phase: { ...value.phase, goal: null, exitDefinition: null }, omitted: [...value.omitted, "the phase's goal and exit definition"] }),
    (value) => ({ ...value, stage: { ...value.stage, deliverables: null, objectives: null }, openQuestions: null, omitted: [...value.omitted, "the stage's objectives, deliverables and open questions"] }),
  ];
  for (const step of steps) {
    current = step(current);
    text = render(current);
    if (text.length <= maxChars) return text;
  }
  // Still too long (a huge gate list or criteria): a hard cut, said at the end.
  const note = `\n[cut at ${maxChars} characters; read ${context.stage.file}]\n`;
  return `${text.slice(0, Math.max(0, maxChars - note.length))}${note}`;
}

function cutTexts(value: StageContext): StageContext {
  let cut = 0;
  const shorten = (text: string | null): string | null => {
    if (text === null || text.length <= CUT_TEXT) return text;
    cut++;
    return `${text.slice(0, CUT_TEXT)} [...]`;
  };
  const next: StageContext = {
    ...value,
    phase: { ...value.phase, goal: shorten(value.phase.goal), exitDefinition: shorten(value.phase.exitDefinition) },
    stage: { ...value.stage, objectives: shorten(value.stage.objectives), deliverables: shorten(value.stage.deliverables) },
    openQuestions: shorten(value.openQuestions),
    decisions: value.decisions.map((decision) => ({ ...decision, rootCause: shorten(decision.rootCause) })),
  };
  return cut > 0 ? { ...next, omitted: [...next.omitted, `the end of ${cut} long texts (marked [...])`] } : value;
}

/** The markdown handoff: every value from a document is escaped or quoted so that it renders as text. */
function renderMarkdown(context: StageContext): string {
  const { stage, phase, paths, verdict } = context;
  const out: string[] = [];
  const list = (items: readonly string[], none: string) => (items.length > 0 ? items.map((item) => `- ${markdownCode(item)}`) : [`- ${none}`]);
  out.push(`# ${markdownHeading(`${stage.id} ${stage.title}`)}`, '');
  out.push(
    `${context.selection === 'next' ? 'The next stage to work on' : 'Stage'}: ${markdownCode(stage.file)}, status ${markdownInline(stage.status)}, state ${markdownInline(verdict.state)}` +
      (stage.owner ? `, owner ${markdownInline(stage.owner)}` : '') +
      (stage.estimate !== null ? `, estimate ${stage.estimate} h` : '') +
      '.',
    '',
  );
  out.push('## Next action', '', markdownParts(verdict.nextActionParts), '');
  if (verdict.blockers.length > 0) out.push(...verdict.blockers.map((blocker) => `- ${markdownInline(blocker)}`), '');
  out.push(`Sign-off allowed: ${verdict.signOffAllowed ? 'yes' : 'no'}.`, '');
  if (verdict.approvals) out.push(`${markdownInline(verdict.approvals.replace(/^approvals/, 'Approvals'))}.`, '');

  out.push(`## Phase ${markdownHeading(phase.id)}${phase.title ? ` ${markdownHeading(phase.title)}` : ''}`, '');
  if (phase.status) out.push(`Status ${markdownInline(phase.status)}${phase.file ? `, ${markdownCode(phase.file)}` : ''}.`, '');
  if (phase.goal) out.push('Goal:', '', markdownBlockquote(phase.goal), '');
  if (phase.exit.length > 0) out.push('Exit:', '', markdownBlockquote(phase.exit.map((item) => `- ${item}`).join('\n')), '');
  if (phase.exitDefinition) out.push('Exit definition:', '', markdownBlockquote(phase.exitDefinition), '');

  if (stage.objectives) out.push('## Objectives', '', markdownBlockquote(stage.objectives), '');
  if (stage.deliverables) out.push('## Deliverables', '', markdownBlockquote(stage.deliverables), '');
  out.push('## Acceptance criteria', '', stage.acceptanceCriteria.length > 0 ? markdownBlockquote(stage.acceptanceCriteria.map((item) => `- ${item.replace(/\n/g, ' ')}`).join('\n')) : '- (none written)', '');
  if (stage.produces.length > 0) out.push('Produces (must exist once done):', '', ...list(stage.produces, ''), '');

  out.push('## Gates', '', `Run them all, with evidence: ${markdownCode(context.gateCommand)}`, '');
  if (context.gates.length === 0) out.push('- (no gates declared)');
  for (const gate of context.gates) {
    const what = gate.command !== undefined ? markdownCode(gate.command) : markdownInline(gate.requirement ?? '');
    const extra = [gate.type !== 'run' ? gate.type : '', gate.severity, gate.timeout !== undefined ? `timeout ${gate.timeout} s` : ''].filter(Boolean).join(', ');
    out.push(`- ${markdownCode(gate.id)}: ${what} (${markdownInline(extra)})`);
  }
  out.push('');

  out.push('## Paths', '');
  out.push('Protected by this stage while it is open (do not change):', '', ...list(paths.protected, 'none declared'), '');
  if (phase.protected.length > 0) out.push(`Protected by phase ${markdownInline(phase.id)}:`, '', ...list(phase.protected, ''), '');
  if (paths.mayModify.length > 0) out.push('Agents may change only:', '', ...list(paths.mayModify, ''), '');
  if (paths.mustNotModify.length > 0) out.push('Agents must not change:', '', ...list(paths.mustNotModify, ''), '');
  out.push(`Evidence under ${markdownCode(paths.evidence)} is written by ${markdownCode('stagedocs gate run')} only; never edit it.`, '');

  out.push('## Upstream', '');
  if (context.upstream.length === 0) out.push('- no dependencies');
  for (const dependency of context.upstream) {
    out.push(`- ${markdownInline(dependency.id)} ${markdownInline(dependency.title)}: ${dependency.passed ? 'passed' : 'not passed'} (state ${markdownInline(dependency.state)}${dependency.lastRun ? `, last run ${markdownInline(dependency.lastRun)}` : ''})`);
  }
  out.push('');

  out.push('## Runs', '');
  if (context.runs.length === 0) out.push('- no gate runs yet');
  for (const run of context.runs) {
    out.push(`- ${markdownInline(run.runId)}: ${run.pass ? 'pass' : 'fail'}${run.decision ? `, decision ${markdownInline(run.decision)}` : ''}`);
    for (const failure of run.failures) out.push(`  - ${markdownCode(failure.gate)} ${markdownInline(`${failure.outcome} (${failure.severity}): ${failure.summary}`)}`);
  }
  out.push('');

  out.push('## Decisions', '');
  if (context.decisions.length === 0) out.push('- no decision note names this stage');
  for (const decision of context.decisions) {
    out.push(`- ${markdownInline(decision.tag)} ${markdownInline(decision.title)} (${markdownInline(decision.status)}, ${markdownCode(decision.file)})`);
    if (decision.rootCause) out.push('', markdownBlockquote(`Root cause: ${decision.rootCause}`), '');
  }
  out.push('');

  out.push('## Open questions', '', context.openQuestions ? markdownBlockquote(context.openQuestions) : '- none written', '');
  if (context.omitted.length > 0) out.push('## Left out to stay within the size bound', '', ...context.omitted.map((item) => `- ${markdownInline(item)}`), '');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
