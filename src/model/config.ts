/** The configuration's shape and its defaults; reading and checking a file is the config layer's job. */

export type RuleSetting = 'off' | 'warn' | 'error';

export interface RuleConfig {
  severity?: RuleSetting;
  [option: string]: unknown;
}

/** The resolved configuration: defaults merged with the repository's file. */
export interface Config {
  paths: { stages: string; decisions: string; freeze: string; gate_results: string; templates: string };
  kinds: Record<'phase' | 'stage' | 'decision', { required_sections: string[] }>;
  rules: Record<string, RuleConfig>;
  tags: { sign_off: string; phase_sign_off: string };
  limits: { max_file_bytes: number };
  gates: { default_timeout: number; max_log_bytes: number; redact: string[] };
  /** Whether CI renders the audit pack with the repository's template overrides (a pull request can add one). */
  audit_pack: { allow_template_overrides: boolean };
  /** This machine as a gate runner; absent unless configured (STAGEDOCS_RUNNER_LABELS overrides it). */
  runner?: { labels?: string[] };
  /** Phase contract settings; absent unless configured, so that the defaults' hash (every cache key) stays as it was. */
  phases?: { upstream_requires?: 'signed-off' | 'done' };
}

const DEFAULT_STAGE_SECTIONS = [
  'Objectives',
  'Deliverables',
  'Acceptance Criteria',
  'Audit & Review Steps',
  'Rollback Plan',
  'Versioning & Traceability',
];

export function defaultConfig(): Config {
  return {
    paths: { stages: 'stages', decisions: 'decisions', freeze: 'freeze', gate_results: 'gate_results', templates: 'templates' },
    kinds: {
      stage: { required_sections: [...DEFAULT_STAGE_SECTIONS] },
      phase: { required_sections: ['Goal', 'Exit Definition'] },
      decision: { required_sections: ['Context', 'Decision', 'Consequences'] },
    },
    rules: {},
    tags: { sign_off: 'stagedocs/{stage}/signed-off', phase_sign_off: 'stagedocs/{phase}/signed-off' },
    limits: { max_file_bytes: 1024 * 1024 },
    gates: { default_timeout: 600, max_log_bytes: 5 * 1024 * 1024, redact: [] },
    audit_pack: { allow_template_overrides: false },
  };
}
