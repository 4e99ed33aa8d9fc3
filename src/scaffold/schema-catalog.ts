import { optionsSchemaOf } from '../config/config.js';
import { RULES } from '../rules/index.js';
import { patternSchema } from './patterns.js';
import { runReportSchema } from '../model/report-schema.js';
import { configSchema, DOCUMENT_SCHEMAS } from '../model/schemas.js';

/**
 * Every schema stagedocs validates with `validatorFor`: the build compiles these ahead of time
 * (scripts/compile-validators.mjs). A schema missing here still works, compiled at run time.
 */
export function catalogSchemas(): object[] {
  return [configSchema, ...Object.values(DOCUMENT_SCHEMAS), runReportSchema, patternSchema, ...RULES.map((rule) => optionsSchemaOf(rule.meta))];
}
