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
  markdownParts,
  markdownPartsCell,
  mermaidLabel,
  yamlString,
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
export function compileTemplate(source: string, name: string): Template {
  let compiled: HandlebarsTemplateDelegate;
  try {
    compiled = handlebars.compile(source, { strict: true, noEscape: false });
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

/**
 * Loads a template by relative name (e.g. `stage.md.hbs`): the repository's `templates/` folder
 * overrides the built-in one.
 */
export function loadTemplate(root: string, templatesDir: string, name: string): Template {
  const override = path.join(root, templatesDir, name);
  const file = existsSync(override) ? override : path.join(BUILTIN_TEMPLATES_DIR, name);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    throw new StagedocsError(`Template ${name} not found (looked in ${path.join(templatesDir, name)} and the built-in templates)`, EXIT_USAGE);
  }
  return compileTemplate(source, path.relative(root, file).startsWith('..') ? `built-in ${name}` : path.relative(root, file));
}
