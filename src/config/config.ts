import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validatorFor } from '../model/ajv.js';
import { ConfigError } from '../model/errors.js';
import type { Position } from '../model/diagnostic.js';
import { closestKey, describeSchemaError } from '../model/schema-errors.js';
import { configSchema } from '../model/schemas.js';
import { placeOf, pointerSegment } from '../model/documents.js';
import { normalizeText, truncate } from '../parse/text.js';
import { GIT_FED_RULES, RULES } from '../rules/index.js';
import type { Rule } from '../rules/types.js';
import { parseYaml } from '../parse/yaml.js';

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
}

export const DEFAULT_STAGE_SECTIONS = [
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
  };
}

/** Names the configuration file may have, in the order they are looked for. */
export const CONFIG_FILES = ['stagedocs.config.yaml', 'stagedocs.config.yml', 'stagedocs.config.json'];

export interface LoadedConfig {
  config: Config;
  /** Repository-relative name of the file read, or undefined when the defaults apply. */
  file: string | undefined;
  /** Hash of the effective configuration, part of every cache key. */
  hash: string;
}

/** What a configuration is checked against beyond its schema. */
export interface ConfigCheckOptions {
  /** Rule ids `rules:` may name besides the built-in ones (rules that callers add to validation). */
  extraRuleIds?: readonly string[];
}

/** Reads and validates the configuration of a repository; throws ConfigError (exit 2) when it is bad. */
export async function loadConfig(root: string, options: ConfigCheckOptions = {}): Promise<LoadedConfig> {
  for (const name of CONFIG_FILES) {
    let text: string;
    try {
      text = await readFile(path.join(root, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError(name, 1, 1, `cannot read the configuration: ${(error as Error).message}`, `Make \`${name}\` a readable text file, or remove it to use the defaults.`);
    }
    const config = parseConfig(name, text, options);
    return { config, file: name, hash: hashConfig(config) };
  }
  const config = defaultConfig();
  return { config, file: undefined, hash: hashConfig(config) };
}

/** Parses configuration text (YAML or JSON) and merges it over the defaults. Pure. */
export function parseConfig(file: string, rawText: string, options: ConfigCheckOptions = {}): Config {
  const parsed = parseYaml(normalizeText(rawText), 1);
  const problem = parsed.problems[0];
  if (problem) throw new ConfigError(file, problem.line, problem.column, problem.message, problem.hint);
  const data = parsed.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(file, 1, 1, 'the configuration must be a mapping of keys to values');
  }
  const validate = validatorFor(configSchema);
  if (!validate(data)) {
    const error = validate.errors![0]!;
    const described = describeSchemaError(error, data, knownKeysAt(error.instancePath));
    const at = placeOf({ positions: parsed.positions, dataStart: { line: 1, column: 1 } }, described.pointer, described.atKey ? 'key' : 'value');
    throw new ConfigError(file, at.line, at.column, described.message, described.hint);
  }
  const placeAt = (pointer: string, prefer: 'key' | 'value') => placeOf({ positions: parsed.positions, dataStart: { line: 1, column: 1 } }, pointer, prefer);
  checkPaths(file, data as Partial<Config>, placeAt);
  checkRules(file, data as Partial<Config>, [...RULES.map((rule) => rule.meta.id), ...GIT_FED_RULES.map((rule) => rule.id), ...(options.extraRuleIds ?? [])], placeAt);
  return mergeConfig(defaultConfig(), data as Partial<Config>);
}

type PlaceAt = (pointer: string, prefer: 'key' | 'value') => Position;

/** Every configured folder stays inside the repository: stagedocs reads and writes there. */
function checkPaths(file: string, data: Partial<Config>, placeAt: PlaceAt): void {
  for (const [key, value] of Object.entries(data.paths ?? {})) {
    const normalized = path.posix.normalize(String(value).replace(/\\/g, '/'));
    const escapes = path.posix.isAbsolute(normalized) || /^[A-Za-z]:/.test(normalized) || normalized === '..' || normalized.startsWith('../');
    if (!escapes) continue;
    const at = placeAt(`/paths/${pointerSegment(key)}`, 'value');
    throw new ConfigError(
      file,
      at.line,
      at.column,
      `\`paths.${key}\` is \`${truncate(String(value))}\`, expected a folder inside the repository`,
      `Use a path relative to the repository root, such as \`${defaultConfig().paths[key as keyof Config['paths']] ?? key}\`.`,
    );
  }
}

/** A misspelt rule id or option would otherwise silently leave the rule at its defaults. */
function checkRules(file: string, data: Partial<Config>, known: readonly string[], placeAt: PlaceAt): void {
  for (const [id, setting] of Object.entries(data.rules ?? {})) {
    if (!known.includes(id)) {
      const at = placeAt(`/rules/${pointerSegment(id)}`, 'key');
      const suggestion = closestKey(id, known);
      throw new ConfigError(
        file,
        at.line,
        at.column,
        `Unknown rule \`${truncate(id)}\` in \`rules\``,
        suggestion ? `Did you mean \`${suggestion}\`?` : `Rules are: ${known.map((rule) => `\`${rule}\``).join(', ')}.`,
      );
    }
    const rule = RULES.find((candidate) => candidate.meta.id === id);
    if (!rule || typeof setting !== 'object' || setting === null) continue;
    const schema = optionsSchemaOf(rule);
    const validate = validatorFor(schema);
    if (validate(setting)) continue;
    const error = validate.errors![0]!;
    const names = Object.keys(schema.properties);
    const described = describeSchemaError(error, setting, names);
    const at = placeAt(`/rules/${pointerSegment(id)}${described.pointer}`, described.atKey ? 'key' : 'value');
    // Options have no `x-` escape hatch: without a close match, list the options the rule takes.
    const unknownWithoutMatch = error.keyword === 'additionalProperties' && !closestKey(String(error.params.additionalProperty), names);
    throw new ConfigError(file, at.line, at.column, `${described.message} (rule \`${id}\`)`, unknownWithoutMatch ? optionsHint(rule) : (described.hint ?? optionsHint(rule)));
  }
}

const optionsSchemas = new Map<string, { type: 'object'; properties: Record<string, object>; additionalProperties: false }>();

/** The schema of `rules.<id>` in its object form: a severity plus the rule's own options. */
export function optionsSchemaOf(rule: Rule) {
  let schema = optionsSchemas.get(rule.meta.id);
  if (!schema) {
    schema = { type: 'object', properties: { severity: { enum: ['off', 'warn', 'error'] }, ...rule.meta.options }, additionalProperties: false };
    optionsSchemas.set(rule.meta.id, schema);
  }
  return schema;
}

function optionsHint(rule: Rule): string {
  const names = Object.keys(rule.meta.options ?? {});
  return names.length > 0 ? `\`${rule.meta.id}\` takes \`severity\` and ${names.map((name) => `\`${name}\``).join(', ')}.` : `\`${rule.meta.id}\` takes only \`severity\`.`;
}

function knownKeysAt(pointer: string): string[] {
  let schema: { properties?: Record<string, unknown> } = configSchema;
  for (const segment of pointer.split('/').slice(1)) {
    schema = (schema.properties?.[segment] ?? {}) as typeof schema;
  }
  return Object.keys(schema.properties ?? {});
}

function mergeConfig(base: Config, user: Partial<Config>): Config {
  const rules: Record<string, RuleConfig> = {};
  for (const [id, setting] of Object.entries(user.rules ?? {})) {
    rules[id] = typeof setting === 'string' ? { severity: setting as RuleSetting } : { ...(setting as RuleConfig) };
  }
  return {
    paths: { ...base.paths, ...user.paths },
    kinds: {
      stage: { ...base.kinds.stage, ...user.kinds?.stage },
      phase: { ...base.kinds.phase, ...user.kinds?.phase },
      decision: { ...base.kinds.decision, ...user.kinds?.decision },
    },
    rules,
    tags: { ...base.tags, ...user.tags },
    limits: { ...base.limits, ...user.limits },
    gates: { ...base.gates, ...user.gates },
  };
}

function hashConfig(config: Config): string {
  return createHash('sha256').update(stableStringify(config)).digest('hex');
}

/** JSON with sorted keys: the same value always gives the same bytes. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
