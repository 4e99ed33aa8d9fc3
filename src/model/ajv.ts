import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import { BUILD_ROOT } from '../util/version.js';
import { EDITOR_KEYWORDS } from './schema-docs.js';

/**
 * Options of the one Ajv setup for our own schemas only (never schemas from a repository: a `pattern`
 * can be a ReDoS). Strict mode catches misspelled keywords; `allErrors` and `$data` stay off because
 * the data is untrusted. Our schemas are not checked against the JSON Schema meta-schema on every start
 * (compiling it took a third of the configuration's load time); test/unit/schemas-meta.test.ts does.
 * The editor annotations of schema-docs.ts are known keywords that validate nothing.
 */
export const AJV_OPTIONS: Options = { strict: true, allErrors: false, allowUnionTypes: true, validateSchema: false, keywords: [...EDITOR_KEYWORDS] };

/**
 * The build compiles every schema of `src/scaffold/schema-catalog.ts` ahead of time into this module
 * (`scripts/compile-validators.mjs`, Ajv's standalone code): loading Ajv and compiling the
 * configuration schema took about 40 ms of every command's start. Sources run without a build (the
 * tests) compile at run time with the same options; test/unit/validators.test.ts checks both agree.
 */
const PRECOMPILED = BUILD_ROOT && new URL('model/validators.cjs', BUILD_ROOT);
const require = createRequire(import.meta.url);

let precompiled: Readonly<Record<string, ValidateFunction>> | undefined;
let runtime: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** The name a schema's validator has in the precompiled module: its content, so an edited schema never finds a stale one. */
export function schemaKey(schema: object): string {
  return `v${createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 32)}`;
}

export function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = precompiledValidators()[schemaKey(schema)] ?? compileAtRunTime(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** The validators the build compiled; none when running from the sources. */
function precompiledValidators(): Readonly<Record<string, ValidateFunction>> {
  precompiled ??= PRECOMPILED && existsSync(PRECOMPILED) ? (require(fileURLToPath(PRECOMPILED)) as Record<string, ValidateFunction>) : {};
  return precompiled;
}

/** Ajv itself, loaded on first use. */
export function compileAtRunTime(schema: object): ValidateFunction {
  runtime ??= new (require('ajv') as typeof import('ajv')).Ajv(AJV_OPTIONS);
  return runtime.compile(schema);
}

export type SchemaError = ErrorObject;
