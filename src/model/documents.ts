import path from 'node:path';
import type { Position } from './diagnostic.js';
import type { ApprovalsSpec } from './approvals.js';

export type DocumentKind = 'phase' | 'stage' | 'decision' | 'freeze' | 'contract';
export const DOCUMENT_KINDS: readonly DocumentKind[] = ['phase', 'stage', 'decision', 'freeze', 'contract'];

export type WorkStatus = 'not-started' | 'in-progress' | 'validating' | 'done' | 'blocked';

export type DecisionStatus = 'proposed' | 'accepted' | 'superseded' | 'rejected';
/**
 * The longest timeout stagedocs accepts anywhere (`--timeout`, `gates.default_timeout`): 7 days.
 * Node's timers overflow beyond 2^31-1 ms (about 24.8 days) and would fire at once.
 */
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

type GateSeverity = 'blocking' | 'warning';
export type GateType = 'run' | 'metric' | 'no-stubs' | 'produces' | 'prd-trace' | 'build' | 'coverage' | 'http';

/** The build tools a `build` gate knows the conventional command of. */
export type BuildTool = 'npm' | 'pnpm' | 'yarn' | 'make' | 'cargo' | 'go' | 'python';

/** The metrics a coverage report may carry; a format without one (lcov has no statements) says so. */
export type CoverageMetric = 'lines' | 'branches' | 'functions' | 'statements';

interface CoverageSpec {
  /** The report, repository-relative: coverage-summary.json (istanbul), lcov.info, coverage.xml (Cobertura). */
  file: string;
  /** Read from the file's name when not given. */
  format?: 'istanbul' | 'lcov' | 'cobertura';
  /** Percentages (0 to 100) each metric must reach. */
  min: Partial<Record<CoverageMetric, number>>;
}

export interface HttpRequestSpec {
  method?: string;
  /** Relative to the ready URL's origin (or http://127.0.0.1:<port>). */
  path?: string;
  url?: string;
  body?: string;
  headers?: Record<string, string>;
  expect: { status: number; body_matches?: string };
}

/** Which kinds of file must reference a requirement for a prd-trace gate to count it as implemented. */
export type TraceSource = 'code' | 'test';

interface MetricSpec {
  file: string;
  path: string;
  min?: number;
  max?: number;
}

/** A gate as written in a stage's frontmatter. */
export interface GateSpec {
  id: string;
  type?: GateType;
  run?: string;
  severity?: GateSeverity;
  timeout?: number;
  expect_exit?: number;
  metric?: MetricSpec;
  include?: string[];
  exclude?: string[];
  max_rate?: number;
  min_rate?: number;
  document?: string;
  files?: string[];
  description?: string;
  /** Runner labels this gate needs besides its stage's. */
  runs_on?: string[];
  /** `build`: the tool whose build command runs, an optional script name and folder. */
  tool?: BuildTool;
  script?: string;
  cwd?: string;
  coverage?: CoverageSpec;
  /** `http`: the server command, started in its own process group and stopped after the requests. */
  start?: string;
  ready?: { url?: string; port?: number; timeout?: number };
  requests?: HttpRequestSpec[];
  /** `http`: statuses no request may get, whatever it expects (501: an endpoint that is only a stub). */
  no_status?: number[];
  /** `prd-trace`: where a requirement must be referenced (default code and test), and what a test file is. */
  require?: TraceSource[];
  tests?: string[];
  /** Ids of gates of the same stage that must pass before this one runs (else it is skipped). */
  needs?: string[];
  /** Globs of files the gate leaves that are copied, hashed, into the run folder. */
  artifacts?: string[];
}

export interface StageFrontmatter {
  id: string;
  kind: 'stage';
  title: string;
  phase: string;
  order: number;
  status: WorkStatus;
  owner?: string;
  estimate?: number;
  depends_on?: string[];
  decision?: string;
  /** `accepted`: the note `decision` names must be accepted before the stage is done. */
  requires_decision?: 'accepted';
  /** Decision notes that must not be `proposed` when the stage is done: `all` (every note whose `stages` names the stage) or tags. */
  decisions_resolved?: 'all' | string[];
  freeze?: 'required' | 'none';
  gates?: GateSpec[];
  /** Outcome contracts (`contracts/<id>.yaml` or built-in) whose requirements the stage must pass besides its own gates. */
  contracts?: string[];
  /** Runner labels every gate of the stage needs. */
  runs_on?: string[];
  produces?: string[];
  protected?: string[];
  /** The stage puts something into production: it may not be signed off while its phase disallows production. */
  production?: boolean;
  /** The quorum of distinct approvers its sign-off needs (model/approvals.ts). */
  approvals?: ApprovalsSpec;
}

export interface PhaseFrontmatter {
  id: string;
  kind: 'phase';
  title: string;
  status: WorkStatus;
  owner?: string;
  upstream?: string[];
  downstream?: string[];
  /** What must hold before a stage of the phase starts; absent: nothing (upstream alone never blocks). */
  entry?: PhaseEntry;
  /** The prose list, or the structured form with produced files and exit gates. */
  exit?: string[] | PhaseExit;
  pattern?: string;
  /** Outcome contracts every stage of the phase must pass (before the stage's own contracts and gates). */
  contracts?: string[];
  protected?: string[];
  agents?: { may_modify?: string[]; must_not_modify?: string[] };
  readiness?: PhaseReadiness;
  /** The quorum of distinct approvers its sign-off needs (model/approvals.ts). */
  approvals?: ApprovalsSpec;
}

export interface PhaseEntry {
  /** Default: the phase's upstream. */
  phases?: string[];
  files?: string[];
  checks?: EntryCheck[];
  /** Gates run with evidence by `gate run <phase-id> --entry`: the entry needs a passing run of them that counts. */
  gates?: GateSpec[];
}

/** A blocker stated as a check: a command that exits 0, or a file that exists, once it is cleared. */
export type EntryCheck = { id: string; description: string } & ({ run: string; file?: undefined } | { file: string; run?: undefined });

export interface PhaseExit {
  criteria?: string[];
  produces?: string[];
  gates?: GateSpec[];
}

export type Maturity = 'design-only' | 'prototype' | 'beta' | 'production';
export type RiskLevel = 'low' | 'medium' | 'high' | 'very-high';

export interface PhaseReadiness {
  maturity?: Maturity;
  risk?: Record<string, RiskLevel>;
  production_gate?: 'allowed' | 'disallowed';
}

/** The structured exit of a phase; the prose list has criteria only. */
export function phaseExit(phase: PhaseFrontmatter): PhaseExit & { structured: boolean } {
  const exit = phase.exit;
  if (exit === undefined) return { structured: false };
  return Array.isArray(exit) ? { criteria: exit, structured: false } : { ...exit, structured: true };
}

/** The upstream phases a phase's entry requires: `entry.phases`, else upstream, and none without `entry`. */
export function entryPhasesOf(phase: PhaseFrontmatter): string[] {
  if (!phase.entry) return [];
  return phase.entry.phases ?? phase.upstream ?? [];
}

export interface DecisionFrontmatter {
  decision_tag: string;
  kind: 'decision';
  title: string;
  owner?: string;
  date: string;
  status: DecisionStatus;
  stages?: string[];
  supersedes?: string;
  rerun_of?: string;
}

/**
 * An outcome contract (`contracts/<contract_id>.yaml`): requirements written once, as stages write
 * gates, that every stage or phase naming the contract in `contracts:` must pass.
 */
export interface ContractFile {
  contract_id: string;
  title: string;
  description?: string;
  requirements: GateSpec[];
  /** Named target values (informative; the requirements' own thresholds are what is judged). */
  slo_thresholds?: Record<string, number>;
}

export interface FreezeFile {
  stage: string;
  decision_tag?: string;
  protocol_version: string;
  created_at: string;
  commit?: string;
  scope?: Record<string, unknown>;
  inputs: Record<string, string>;
}

/** A heading and the content under it, up to the next heading of the same or a higher level. */
export interface Section {
  title: string;
  depth: number;
  line: number;
  column: number;
  /** Last line of the section's content (the line before the next heading of the same or higher level). */
  endLine: number;
  /** The section's content as written (without its heading), LF line endings. */
  text: string;
  /** First line of the content, for messages about it. */
  contentLine: number;
  /** True when the section holds nothing but white space and HTML comments. */
  empty: boolean;
  /** List items directly in the section, in order, with their own first line. */
  items: Array<{ text: string; line: number; column: number }>;
}

export interface Link {
  url: string;
  line: number;
  column: number;
}

/**
 * What a markdown or JSON document says, independent of where it came from: produced by the pure
 * parser, JSON-serialisable so that it can be cached by content hash.
 */
export interface ParsedDocument {
  /** Repository-relative path with forward slashes. */
  file: string;
  /** The kind the document declares, or the one its location implies. */
  kind: DocumentKind | undefined;
  /** Parsed frontmatter (or the JSON object of a freeze file); undefined when it could not be read. */
  data: Record<string, unknown> | undefined;
  /** JSON pointer (`/gates/0/run`) -> place of the value; `#key:/gates/0/run` -> place of the key. */
  positions: Record<string, Position>;
  /** JSON pointer -> source text of unquoted frontmatter values YAML read as a number, boolean or null. */
  coerced?: Record<string, string>;
  /** Where the frontmatter block (or JSON object) starts, for findings with nothing more precise. */
  dataStart: Position;
  sections: Section[];
  links: Link[];
  /** Every line of the body after the frontmatter, with its 1-based line number offset. */
  bodyStartLine: number;
  body: string;
  lineCount: number;
}

/**
 * A document as a plain object, every field read by name: a parsed or cached document keeps some of
 * them behind getters on its prototype, which a structured clone (a worker's message) would drop.
 */
export function plainDocument(doc: ParsedDocument): ParsedDocument {
  return {
    file: doc.file,
    kind: doc.kind,
    data: doc.data,
    positions: doc.positions,
    ...(doc.coerced ? { coerced: doc.coerced } : {}),
    dataStart: doc.dataStart,
    sections: doc.sections,
    links: doc.links,
    bodyStartLine: doc.bodyStartLine,
    body: doc.body,
    lineCount: doc.lineCount,
  };
}

/** The place of a frontmatter value, falling back to its key, its parents and the block's start. */
export function placeOf(doc: Pick<ParsedDocument, 'positions' | 'dataStart'>, pointer: string, prefer: 'key' | 'value' = 'value'): Position {
  let current = pointer;
  for (;;) {
    const value = doc.positions[current];
    const key = doc.positions[`#key:${current}`];
    const found = prefer === 'key' ? key ?? value : value ?? key;
    if (found) return found;
    if (current === '') return doc.dataStart;
    current = current.slice(0, current.lastIndexOf('/'));
  }
}

/** Escapes one segment of a JSON pointer (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  const text = String(segment);
  // Every key of every frontmatter passes here; almost none holds either character.
  if (!text.includes('~') && !text.includes('/')) return text;
  return text.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The type of a gate: as declared, else `metric` when it has one, else `run`. */
export function gateType(gate: GateSpec): GateType {
  return gate.type ?? (gate.metric ? 'metric' : 'run');
}

/** The freeze file of a stage, repository-relative. */
/** The command that writes a stage's freeze file, as hints name it: `freeze` needs at least one `--input`. */
export function freezeCommand(stageId: string): string {
  return `stagedocs freeze ${stageId} --input <glob>`;
}

export function freezePathOf(freezeDir: string, stageId: string): string {
  return path.posix.join(freezeDir.replace(/\\/g, '/').replace(/\/+$/, ''), `${stageId}.freeze.json`);
}
