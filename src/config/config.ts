import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validatorFor } from '../model/ajv.js';
import { ConfigError } from '../model/errors.js';
import type { Position } from '../model/diagnostic.js';
import { closestKey, describeSchemaError } from '../model/schema-errors.js';
import { configSchema, severitySetting } from '../model/schemas.js';
import { placeOf, pointerSegment } from '../model/documents.js';
import { normalizeText, truncate } from '../util/text.js';
import { parseYaml } from '../parse/yaml.js';
import { defaultConfig, type Config, type RuleConfig, type RuleSetting } from '../model/config.js';

/** Names the configuration file may have, in the order they are looked for. */
export const CONFIG_FILES = ['stagedocs.config.yaml', 'stagedocs.config.yml', 'stagedocs.config.json'];

export interface LoadedConfig {
  config: Config;
  /** Repository-relative name of the file read, or undefined when the defaults apply. */
  file: string | undefined;
  /** Hash of the effective configuration, part of every cache key. */
  hash: string;
}

/**
 * A rule as the configuration sees it: `rules:` may name only known rules, with the options they
 * declare. The engine passes its registry; the configuration layer knows no rule itself.
 */
export interface KnownRule {
  id: string;
  /** What the rule checks, for the description of its settings in the configuration schema. */
  description?: string;
  /** JSON Schemas of the rule's options, by option name. */
  options?: Readonly<Record<string, object>>;
}

/** Reads and validates the configuration of a repository; throws ConfigError (exit 2) when it is bad. */
export async function loadConfig(root: string, rules: readonly KnownRule[]): Promise<LoadedConfig> {
  for (const name of CONFIG_FILES) {
    let text: string;
    try {
      text = await readFile(path.join(root, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError(name, 1, 1, `cannot read the configuration: ${(error as Error).message}`, `Make \`${name}\` a readable text file, or remove it to use the defaults.`);
    }
    const config = parseConfig(name, text, rules);
    return { config, file: name, hash: hashConfig(config) };
  }
  const config = defaultConfig();
  return { config, file: undefined, hash: hashConfig(config) };
}

/** Parses configuration text (YAML or JSON) and merges it over the defaults. Pure. */
export function parseConfig(file: string, rawText: string, rules: readonly KnownRule[]): Config {
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
  checkRules(file, data as Partial<Config>, rules, placeAt);
  checkRedactPatterns(file, data as Partial<Config>, placeAt);
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

/** `gates.redact` entries are regular expressions: a broken one is a configuration error here, not a failed `gate run` later. */
function checkRedactPatterns(file: string, data: Partial<Config>, placeAt: PlaceAt): void {
  (data.gates?.redact ?? []).forEach((pattern, index) => {
    try {
      new RegExp(pattern, 'g');
    } catch (error) {
      const at = placeAt(`/gates/redact/${index}`, 'value');
      throw new ConfigError(
        file,
        at.line,
        at.column,
        `\`gates.redact[${index}]\` is \`${truncate(pattern)}\`, expected a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`,
        'Escape the characters that regular expressions give a meaning (`\\(`, `\\[`, `\\.`, ...), e.g. `gates.redact: ["token=\\w+"]`.',
      );
    }
  });
}

/** A misspelt rule id or option would otherwise silently leave the rule at its defaults. */
function checkRules(file: string, data: Partial<Config>, rules: readonly KnownRule[], placeAt: PlaceAt): void {
  const known = rules.map((rule) => rule.id);
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
    const rule = rules.find((candidate) => candidate.id === id);
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

const optionsSchemas = new Map<string, { type: 'object'; description: string; properties: Record<string, object>; additionalProperties: false }>();

/** The schema of `rules.<id>` in its object form: a severity plus the rule's own options. */
export function optionsSchemaOf(rule: KnownRule) {
  let schema = optionsSchemas.get(rule.id);
  if (!schema) {
    schema = { type: 'object', description: `Settings of rule ${rule.id}${rule.description ? `: ${rule.description}` : ''}`, properties: { severity: severitySetting, ...rule.options }, additionalProperties: false };
    optionsSchemas.set(rule.id, schema);
  }
  return schema;
}

function optionsHint(rule: KnownRule): string {
  const names = Object.keys(rule.options ?? {});
  return names.length > 0 ? `\`${rule.id}\` takes \`severity\` and ${names.map((name) => `\`${name}\``).join(', ')}.` : `\`${rule.id}\` takes only \`severity\`.`;
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
    audit_pack: { ...base.audit_pack, ...user.audit_pack },
    ...(user.runner ? { runner: { ...user.runner } } : {}),
    ...(user.phases ? { phases: { ...user.phases } } : {}),
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
