import { type Config, type RuleConfig } from '../model/config.js';

/** A rule's options from the configuration, without its severity. */
export function optionsOf(ruleId: string, config: Config): RuleConfig {
  const { severity: _severity, ...options } = config.rules[ruleId] ?? {};
  return options;
}
