import { validatorFor } from '../model/ajv.js';
import { DOCUMENT_KINDS, placeOf } from '../model/documents.js';
import { describeSchemaError } from '../model/schema-errors.js';
import { DOCUMENT_SCHEMAS } from '../model/schemas.js';
import { documentRule } from './types.js';

export const frontmatterSchema = documentRule(
  {
    id: 'frontmatter-schema',
    description: 'Frontmatter must match the JSON Schema of its kind (phase, stage, decision, freeze, contract): required keys, types, allowed values, ids.',
    defaultSeverity: 'error',
  },
  (doc, context) => {
    if (!doc.data) return;
    if (!doc.kind) {
      const at = placeOf(doc, '/kind', 'value');
      context.report({
        ...at,
        message: `\`kind\` is ${doc.data.kind === undefined ? 'missing' : `\`${String(doc.data.kind)}\``}, expected one of ${DOCUMENT_KINDS.filter((k) => k !== 'freeze' && k !== 'contract').map((k) => `\`${k}\``).join(', ')}`,
        hint: 'Add `kind: stage` (or `phase`, `decision`) to the frontmatter.',
      });
      return;
    }
    const schema = DOCUMENT_SCHEMAS[doc.kind];
    const validate = validatorFor(schema);
    if (validate(doc.data)) return;
    for (const error of validate.errors ?? []) {
      const described = describeSchemaError(error, doc.data, knownKeys(schema as unknown as SchemaNode, error.instancePath), doc.coerced);
      context.report({
        ...placeOf(doc, described.pointer, described.atKey ? 'key' : 'value'),
        message: described.message,
        hint: described.hint,
      });
    }
  },
);

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode };

/** Keys allowed at a pointer, to suggest the right one for a misspelt key. */
function knownKeys(schema: SchemaNode, pointer: string): string[] {
  let node: SchemaNode | undefined = schema;
  for (const segment of pointer.split('/').slice(1)) {
    node = /^\d+$/.test(segment) ? node?.items : node?.properties?.[segment];
  }
  return Object.keys(node?.properties ?? {});
}
