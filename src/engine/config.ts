import { type Config } from '../model/config.js';
import { loadConfig as loadConfigWith, parseConfig as parseConfigWith, type KnownRule, type LoadedConfig } from '../config/config.js';
import { GIT_FED_RULES, RULES } from '../rules/index.js';

/** Every rule `rules:` may name: the rules validation runs and the history rules git feeds. */
export const KNOWN_RULES: readonly KnownRule[] = [...RULES.map((rule) => rule.meta), ...GIT_FED_RULES];

/** Reads and validates the configuration of a repository against the rule registry; throws ConfigError (exit 2) when it is bad. */
export function loadConfig(root: string): Promise<LoadedConfig> {
  return loadConfigWith(root, KNOWN_RULES);
}

/** Parses configuration text (YAML or JSON) against the rule registry and merges it over the defaults. Pure. */
export function parseConfig(file: string, text: string): Config {
  return parseConfigWith(file, text, KNOWN_RULES);
}
