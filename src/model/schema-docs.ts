/**
 * Editor documentation in our JSON Schemas. `description` and `examples` are standard annotations;
 * `markdownDescription` and `markdownEnumDescriptions` are the VS Code / yaml-language-server
 * extensions that hover and completion render as markdown. Ajv knows them as annotation-only keywords
 * (`EDITOR_KEYWORDS` in ajv.ts), so they change nothing in validation. test/unit/schemas-meta.test.ts
 * fails on a property without a description or an enum value without its explanation.
 */

/** The annotation keywords our schemas use beyond draft-07. */
export const EDITOR_KEYWORDS = ['markdownDescription', 'markdownEnumDescriptions'] as const;

interface Docs {
  examples?: readonly unknown[];
  /** Defaults to the description: VS Code shows only one of the two, preferring this. */
  markdownDescription?: string;
  default?: unknown;
}

/** `schema` with its description (plain text, for every client) and, optionally, examples. */
export function described<T extends object>(schema: T, description: string, docs: Docs = {}): T & { description: string } {
  const out: Record<string, unknown> = { ...schema, description };
  if (docs.markdownDescription !== undefined) out.markdownDescription = docs.markdownDescription;
  if (docs.examples !== undefined) out.examples = docs.examples;
  if (docs.default !== undefined) out.default = docs.default;
  return out as T & { description: string };
}

/**
 * An enum with every value explained: the description lists them (for clients that render only
 * text), `markdownEnumDescriptions` gives each value its own line in completion.
 */
export function enumOf<const V extends string>(
  values: Record<V, string>,
  description: string,
  docs: Docs = {},
): { enum: V[]; description: string; markdownEnumDescriptions: string[] } {
  const entries = Object.entries(values) as Array<[V, string]>;
  const listed = entries.map(([value, meaning]) => `\`${value}\`: ${meaning}`).join('; ');
  return described(
    { enum: entries.map(([value]) => value), markdownEnumDescriptions: entries.map(([, meaning]) => meaning) },
    `${description} ${listed}.`.replace(/`/g, ''),
    { markdownDescription: `${description}\n\n${entries.map(([value, meaning]) => `- \`${value}\`: ${meaning}`).join('\n')}`, ...docs },
  );
}
