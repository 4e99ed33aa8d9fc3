import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { StagedocsError, EXIT_USAGE } from '../model/errors.js';
import { isValidId } from '../model/ids.js';
import { inertText } from '../util/text.js';
import { PACKAGE_ROOT } from '../util/version.js';
import {
  htmlText,
  markdownAuthored,
  markdownBlockquote,
  markdownFence,
  markdownCell,
  markdownCode,
  markdownCodeCell,
  markdownHeading,
  markdownInline,
  markdownLiteral,
  markdownParts,
  markdownPartsCell,
  mermaidLabel,
  yamlString,
  yamlFlow,
  yamlKey,
} from './escape.js';

/** Built-in templates shipped in the package's `templates/` folder. */
export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL('templates/', PACKAGE_ROOT));

/**
 * One Handlebars environment for our own templates. User text must go through an escaping helper
 * (`md`, `cell`, `code`, `codecell`, `parts`, `partscell`, `html`, `quote`, `yaml`, `heading`; `authored` for a pattern author's markdown); plain `{{x}}` still HTML-escapes as a safe
 * default. Compiled in strict mode: a missing field is an error, never an empty string.
 */
const handlebars = Handlebars.create();
/**
 * Handlebars' strict mode checks `{{field}}` but not the arguments of helpers: `{{md missing}}` would
 * quietly render as empty. The escaping helpers therefore refuse an undefined value themselves (data
 * says "no value" with null), naming where in the template it happened.
 */
type HelperOptions = Handlebars.HelperOptions & { loc?: { start: { line: number; column: number } } };
function present(helper: string, value: unknown, options: HelperOptions | undefined): void {
  if (value !== undefined && options !== undefined) return;
  const at = (options ?? (value as HelperOptions | undefined))?.loc?.start;
  throw new Error(`\`${helper}\`${at ? ` at line ${at.line}, column ${at.column + 1}` : ''} got a field that is missing from the data`);
}
const safe = (helper: string, render: (value: unknown) => string) => (value: unknown, options?: HelperOptions) => {
  present(helper, value, options);
  return new handlebars.SafeString(render(value));
};
handlebars.registerHelper('md', safe('md', markdownInline));
handlebars.registerHelper('cell', safe('cell', markdownCell));
handlebars.registerHelper('code', safe('code', markdownCode));
handlebars.registerHelper('codecell', safe('codecell', markdownCodeCell));
// A line made of text and code parts (a next action with its command), for a paragraph or a table cell.
handlebars.registerHelper('parts', safe('parts', markdownParts));
handlebars.registerHelper('partscell', safe('partscell', markdownPartsCell));
// Text inside the raw HTML stagedocs writes (a details block's summary), where markdown escapes would show.
handlebars.registerHelper('html', safe('html', htmlText));
handlebars.registerHelper('quote', safe('quote', markdownBlockquote));
handlebars.registerHelper('yaml', safe('yaml', yamlString));
// A pattern's gate fields, copied whatever their shape (render/escape.ts).
handlebars.registerHelper('yamlkey', safe('yamlkey', yamlKey));
handlebars.registerHelper('yamlflow', safe('yamlflow', yamlFlow));
handlebars.registerHelper('heading', safe('heading', markdownHeading));
handlebars.registerHelper('authored', safe('authored', markdownAuthored));
// Ids are held to an allowlist that has no markup in it, so they are checked rather than escaped.
handlebars.registerHelper('id', (value: unknown, options?: HelperOptions) => {
  present('id', value, options);
  if (!isValidId(value)) throw new Error(`\`${String(value)}\` is not a valid id`);
  return new handlebars.SafeString(value);
});
handlebars.registerHelper('mermaid', safe('mermaid', mermaidLabel));
handlebars.registerHelper('fence', safe('fence', markdownFence));
handlebars.registerHelper('json', (value: unknown) => new handlebars.SafeString(JSON.stringify(value)));
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
handlebars.registerHelper('pad2', (value: unknown) => String(value).padStart(2, '0'));

export type Template = (data: object) => string;

/**
 * Compiles a template from its source. `name` is used in error messages. Rendering errors (a field
 * the template needs but the data lacks) become StagedocsError naming the template.
 */
export function compileTemplate(source: string, name: string, mode: 'trusted' | 'restricted' = 'trusted'): Template {
  let compiled: HandlebarsTemplateDelegate;
  let program: string | hbs.AST.Program;
  try {
    program = mode === 'restricted' ? restrictedProgram(handlebars.parse(source), name) : source;
  } catch (error) {
    if (error instanceof StagedocsError) throw error;
    throw new StagedocsError(`Template ${name} is invalid: ${(error as Error).message}`, EXIT_USAGE);
  }
  try {
    compiled = handlebars.compile(program, { strict: true, noEscape: false });
  } catch (error) {
    throw new StagedocsError(`Template ${name} is invalid: ${(error as Error).message}`, EXIT_USAGE);
  }
  return (data) => {
    try {
      // Whatever a helper let through, no control character or bidi override reaches the markdown.
      return inertText(compiled(data, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false }));
    } catch (error) {
      throw new StagedocsError(
        `Template ${name} could not be rendered: ${(error as Error).message.split('\n')[0]}`,
        EXIT_USAGE,
        'A repository override in templates/ must use the same fields as the built-in template.',
      );
    }
  };
}

/** How a repository's override of a template is treated (the built-in templates are always trusted). */
export interface OverridePolicy {
  /** Compile overrides in restricted mode (`restrictedProgram`): for output a reviewer reads on GitHub. */
  restricted?: boolean;
  /** Refuse any override, saying why and how to allow it (CI without the config's consent). */
  refuse?: { reason: string; hint: string };
}

/**
 * Loads a template by relative name (e.g. `stage.md.hbs`): the repository's `templates/` folder
 * overrides the built-in one, as `policy` allows.
 */
export function loadTemplate(root: string, templatesDir: string, name: string, policy: OverridePolicy = {}): Template {
  const override = path.join(root, templatesDir, name);
  // This package's own folder (its templates are the built-in ones) overrides nothing.
  const overridden = existsSync(override) && path.resolve(override) !== path.resolve(BUILTIN_TEMPLATES_DIR, name);
  const file = overridden ? override : path.join(BUILTIN_TEMPLATES_DIR, name);
  const shown = path.relative(root, file).startsWith('..') ? `built-in ${name}` : path.relative(root, file);
  if (overridden && policy.refuse) throw new StagedocsError(`Template ${shown} overrides the built-in ${name}, and ${policy.refuse.reason}`, EXIT_USAGE, policy.refuse.hint);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    throw new StagedocsError(`Template ${name} not found (looked in ${path.join(templatesDir, name)} and the built-in templates)`, EXIT_USAGE);
  }
  return compileTemplate(source, shown, overridden && policy.restricted ? 'restricted' : 'trusted');
}

/**
 * Fields the audit pack's main template gets as markdown stagedocs rendered (from the overview and
 * stage templates, themselves restricted when overridden): the one thing `{{{ }}}` may print.
 */
const RENDERED_MARKDOWN_FIELDS = new Set(['overview', 'body']);

/** Helpers whose output is markup by design (JSON, an author's inline links): our templates only. */
const RAW_OUTPUT_HELPERS = new Set(['json', 'authored']);

/**
 * An override's program as it may run: a template from the repository (which a pull request can
 * add) gets no more power over the output than the data has. Refused, with the template's line and
 * column: raw output (`{{{x}}}`, `{{& x}}`), the raw-output helpers, partials and decorators. A bare
 * `{{field}}` (only HTML-escaped by Handlebars) is rewritten to `{{md field}}`. Literal text keeps its
 * block structure (headings, lists, tables, emphasis) but is neutralised like user text: no raw HTML,
 * link, image, autolink, entity, @mention or #reference can be written in it.
 */
function restrictedProgram(program: hbs.AST.Program, name: string): hbs.AST.Program {
  const refuse = (node: hbs.AST.Node, what: string): never => {
    const at = node.loc?.start;
    throw new StagedocsError(
      `Template ${name}${at ? `:${at.line}:${at.column + 1}` : ''}: ${what} is not allowed in a repository override`,
      EXIT_USAGE,
      'Overrides may only print fields through the escaping helpers (`{{md title}}`, `{{cell x}}`, `{{code x}}`, `{{quote x}}`, ...); see docs/audit-pack.md.',
    );
  };
  class Restricter extends Handlebars.Visitor {
    override MustacheStatement(mustache: hbs.AST.MustacheStatement): void {
      const helper = mustache.path.type === 'PathExpression' ? (mustache.path as hbs.AST.PathExpression).original : undefined;
      if (!mustache.escaped && !(mustache.params.length === 0 && helper !== undefined && RENDERED_MARKDOWN_FIELDS.has(helper))) refuse(mustache, '`{{{ }}}` (output without escaping)');
      if (helper !== undefined && RAW_OUTPUT_HELPERS.has(helper)) refuse(mustache, `the \`${helper}\` helper (raw output)`);
      if (mustache.params.length === 0 && mustache.hash === undefined && helper !== undefined && !handlebars.helpers[helper]) {
        const field = mustache.path;
        mustache.path = { type: 'PathExpression', data: false, depth: 0, parts: ['md'], original: 'md', loc: field.loc } as hbs.AST.PathExpression;
        mustache.params = [field];
      }
      super.MustacheStatement(mustache);
    }
    override PartialStatement(partial: hbs.AST.PartialStatement): void {
      refuse(partial, 'a partial (`{{> }}`)');
    }
    override PartialBlockStatement(partial: hbs.AST.PartialBlockStatement): void {
      refuse(partial, 'a partial block (`{{#> }}`)');
    }
    override Decorator(decorator: hbs.AST.Decorator): void {
      refuse(decorator, 'a decorator (`{{* }}`)');
    }
    override DecoratorBlock(decorator: hbs.AST.DecoratorBlock): void {
      refuse(decorator, 'a decorator block (`{{#* }}`)');
    }
    override ContentStatement(content: hbs.AST.ContentStatement): void {
      content.value = markdownLiteral(content.value, (content.loc?.start.column ?? 0) === 0);
    }
  }
  new Restricter().accept(program);
  return program;
}
