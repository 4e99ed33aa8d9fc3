import { normalizeSectionTitle } from '../model/sections.js';

/**
 * The mechanical fixes the hints of diagnostics describe, as text edits: pure functions of the text
 * and the diagnostic, so a fix is exactly what the hint says and nothing else.
 */

interface Place {
  line: number;
  character: number;
}

interface Span {
  start: Place;
  end: Place;
}

export interface Fix {
  title: string;
  range: Span;
  newText: string;
  preferred: boolean;
}

/** What a fix needs of a diagnostic: where it is, what it says, its rule and hint. */
interface FixableDiagnostic {
  range: Span;
  message: string;
  ruleId: string;
  hint?: string;
}

/**
 * The end of the token a diagnostic starts at, on its line: a quoted string, a key up to its colon,
 * or a value up to a comment, a comma or a closing bracket of a flow list. Diagnostics carry only
 * where they start; the editor underlines this.
 */
export function tokenEnd(lineText: string, character: number): number {
  const rest = lineText.slice(character);
  const quote = rest[0];
  if (quote === '"' || quote === "'") {
    for (let k = 1; k < rest.length; k++) {
      if (rest[k] === '\\' && quote === '"') k++;
      else if (rest[k] === quote) return character + k + 1;
    }
    return lineText.length;
  }
  let token = /^[^,\]}]*/.exec(rest)![0];
  const colon = /:(\s|$)/.exec(token);
  if (colon) token = token.slice(0, colon.index);
  const comment = /\s#/.exec(token);
  if (comment) token = token.slice(0, comment.index);
  token = token.trimEnd();
  return token.length > 0 ? character + token.length : Math.min(character + 1, Math.max(lineText.length, character));
}

export function fixesFor(text: string, diagnostic: FixableDiagnostic, requiredSections: readonly string[]): Fix[] {
  const fixes: Fix[] = [];
  const suggestion = /Did you mean `([^`]+)`\?/.exec(diagnostic.hint ?? '');
  if (suggestion) {
    fixes.push({ title: `Change to \`${suggestion[1]}\``, range: diagnostic.range, newText: suggestion[1]!, preferred: true });
  }
  if (diagnostic.hint?.startsWith('Quote the value')) {
    const written = textIn(text, diagnostic.range);
    if (written && !/^["']/.test(written)) fixes.push({ title: `Quote \`${written}\``, range: diagnostic.range, newText: JSON.stringify(written), preferred: true });
  }
  const missing = diagnostic.ruleId === 'required-sections' ? /^Missing required section `(.+)`$/.exec(diagnostic.message) : null;
  if (missing) fixes.push(addSection(text, missing[1]!, requiredSections));
  return fixes;
}

function textIn(text: string, range: Span): string | undefined {
  if (range.start.line !== range.end.line) return undefined;
  return text.split('\n')[range.start.line]?.slice(range.start.character, range.end.character);
}

/**
 * A `## <title>` heading where the configured order puts it: before the first present section that
 * comes after it in `kinds.<kind>.required_sections`, else at the end. The section is left empty for
 * its author to fill in (empty-section says so), never filled with placeholder text.
 */
function addSection(text: string, title: string, order: readonly string[]): Fix {
  const lines = text.split('\n');
  const headings = new Map<string, number>();
  let fence: string | undefined;
  lines.forEach((line, index) => {
    const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (opening) fence = fence === undefined ? opening[1] : line.trim().startsWith(fence) ? undefined : fence;
    const heading = fence === undefined ? /^##\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (heading && !headings.has(normalizeSectionTitle(heading[1]!))) headings.set(normalizeSectionTitle(heading[1]!), index);
  });
  const after = order.slice(order.findIndex((name) => normalizeSectionTitle(name) === normalizeSectionTitle(title)) + 1);
  const next = after.map((name) => headings.get(normalizeSectionTitle(name))).find((index) => index !== undefined);
  const fix = { title: `Add the \`## ${title}\` section`, preferred: false };
  if (next !== undefined) return { ...fix, range: at(next, 0), newText: `## ${title}\n\n` };
  const last = lines.length - 1;
  const end = lines[last]!.length;
  const separator = text.endsWith('\n\n') || text.length === 0 ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  return { ...fix, range: at(last, end), newText: `${separator}## ${title}\n` };
}

function at(line: number, character: number): Span {
  return { start: { line, character }, end: { line, character } };
}
