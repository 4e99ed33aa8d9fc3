import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * One Ajv instance for our own schemas only (never schemas from a repository: a `pattern` can be a
 * ReDoS). Strict mode catches misspelled keywords; `allErrors` and `$data` stay off because the data
 * is untrusted. Our schemas are not checked against the JSON Schema meta-schema on every start
 * (compiling it took a third of the configuration's load time); test/unit/schemas-meta.test.ts does.
 */
const ajv = new Ajv({ strict: true, allErrors: false, allowUnionTypes: true, validateSchema: false });
const compiled = new WeakMap<object, ValidateFunction>();

export function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export type SchemaError = ErrorObject;
