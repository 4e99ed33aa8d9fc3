import { optionsSchemaOf } from '../config/config.js';
import { KNOWN_RULES } from '../engine/config.js';
import type { DocumentKind } from '../model/documents.js';
import { configSchema, DOCUMENT_SCHEMAS, severitySetting } from '../model/schemas.js';
import type { Segment } from './yaml-text.js';

/** A JSON Schema node as the editor help reads it. */
export interface SchemaNode {
  description?: string;
  markdownDescription?: string;
  markdownEnumDescriptions?: string[];
  examples?: unknown[];
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  required?: string[];
  pattern?: string;
}

/** What a file is to the editor help: a document kind, or the configuration. */
export type HelpKind = DocumentKind | 'config';

/** The configuration schema with every known rule as a key of `rules`, so hover and completion know them. */
const CONFIG_WITH_RULES: SchemaNode = (() => {
  const base = configSchema as unknown as SchemaNode;
  const rules = base.properties!.rules!;
  const properties = Object.fromEntries(
    KNOWN_RULES.map((rule) => {
      const options = optionsSchemaOf(rule) as unknown as SchemaNode;
      return [rule.id, { description: options.description, anyOf: [severitySetting as unknown as SchemaNode, options] } satisfies SchemaNode];
    }),
  );
  return { ...base, properties: { ...base.properties, rules: { ...rules, properties } } };
})();

export function schemaOf(kind: HelpKind): SchemaNode {
  return kind === 'config' ? CONFIG_WITH_RULES : (DOCUMENT_SCHEMAS[kind] as unknown as SchemaNode);
}

/** The schema of the value at `path`, or undefined where the schema allows nothing. */
export function schemaAt(root: SchemaNode, path: readonly Segment[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const segment of path) {
    if (!node) return undefined;
    node = step(node, segment);
  }
  return node;
}

function step(node: SchemaNode, segment: Segment): SchemaNode | undefined {
  if (typeof segment === 'number') return node.items ?? firstOf(node, (branch) => branch.items);
  const direct = node.properties?.[segment];
  if (direct) return direct;
  for (const [pattern, schema] of Object.entries(node.patternProperties ?? {})) if (new RegExp(pattern).test(segment)) return schema;
  if (typeof node.additionalProperties === 'object') return node.additionalProperties;
  return firstOf(node, (branch) => step(branch, segment));
}

function firstOf<T>(node: SchemaNode, pick: (branch: SchemaNode) => T | undefined): T | undefined {
  for (const branch of node.anyOf ?? []) {
    const found = pick(branch);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The keys a mapping may have: its properties, and those of its object branches. */
export function keysOf(node: SchemaNode): Array<[string, SchemaNode]> {
  const own = Object.entries(node.properties ?? {});
  const branches = (node.anyOf ?? []).flatMap((branch) => Object.entries(branch.properties ?? {}));
  const seen = new Set<string>();
  return [...own, ...branches].filter(([key]) => !seen.has(key) && seen.add(key));
}

/** The values a value may take, each with its explanation: enum and const values, and booleans. */
export function valuesOf(node: SchemaNode): Array<{ value: string; description?: string }> {
  const all = [node, ...(node.anyOf ?? [])];
  const values: Array<{ value: string; description?: string }> = [];
  for (const branch of all) {
    branch.enum?.forEach((value, k) => values.push({ value: String(value), description: branch.markdownEnumDescriptions?.[k] }));
    if (branch.const !== undefined) values.push({ value: String(branch.const), description: branch.description });
    if (branch.type === 'boolean') values.push({ value: 'true' }, { value: 'false' });
  }
  return values;
}

/** Markdown for a hover on a key (or a value) at `path`. */
export function hoverMarkdown(root: SchemaNode, path: readonly Segment[], value?: string): string | undefined {
  const node = schemaAt(root, path);
  if (!node) return undefined;
  const key = [...path].reverse().find((segment): segment is string => typeof segment === 'string');
  const parts: string[] = [];
  const kind = typeOf(node);
  parts.push(`**${key ?? 'item'}**${kind ? ` (${kind})` : ''}`);
  const text = node.markdownDescription ?? node.description ?? node.anyOf?.find((branch) => branch.description)?.description;
  if (text) parts.push(text);
  if (value !== undefined) {
    const explained = valuesOf(node).find((candidate) => candidate.value === value && candidate.description);
    if (explained && !node.markdownDescription) parts.push(`\`${value}\`: ${explained.description}`);
  }
  const examples = node.examples?.map((example) => `\`${typeof example === 'string' ? example : JSON.stringify(example)}\``);
  if (examples?.length) parts.push(`Example${examples.length > 1 ? 's' : ''}: ${examples.join(', ')}`);
  return parts.join('\n\n');
}

function typeOf(node: SchemaNode): string | undefined {
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(' | ');
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  if (node.type === 'array') return `list${node.items?.type ? ` of ${String(node.items.type)}s` : ''}`;
  if (node.type === 'object') return 'mapping';
  if (Array.isArray(node.type)) return node.type.join(' or ');
  return node.type;
}

/** Whether a key is required in the mapping `node`. */
export function isRequired(node: SchemaNode, key: string): boolean {
  return node.required?.includes(key) ?? false;
}
