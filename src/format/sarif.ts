import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../model/diagnostic.js';
import { UsageError } from '../model/errors.js';
import { RULES } from '../rules/index.js';
import { PACKAGE_ROOT, TOOL_VERSION } from '../util/version.js';

/** What `toSarif` needs besides the report. */
export interface SarifOptions {
  /**
   * Absolute base URL of the rule pages: a rule's `helpUri` is `<base><rule-id>.md`. Default: see
   * `defaultDocsBaseUrl`.
   */
  docsBaseUrl?: string;
}

/** The `uriBaseId` of every artifact: URIs are relative to the repository root (the checkout). */
const SARIF_SRCROOT = '%SRCROOT%';

/** The key of our partial fingerprint; `primaryLocationLineHash` is GitHub's own and is left to it. */
const SARIF_FINGERPRINT_KEY = 'stagedocs/v1';

interface ReportLike {
  diagnostics: readonly Diagnostic[];
}

/**
 * SARIF 2.1.0 for code scanning (GitHub's upload-sarif and others). It holds what the OASIS schema
 * requires and what GitHub's ingestion uses: per rule an absolute `helpUri`, `fullDescription` and
 * `help` (text and markdown, from the rule's docs page); per result a region with start and end, a
 * percent-encoded URI relative to `%SRCROOT%`, and a partial fingerprint that does not contain the
 * line, so an alert keeps its identity when lines above it move.
 */
export function toSarif(report: ReportLike, options: SarifOptions = {}): object {
  const base = docsBaseUrl(options.docsBaseUrl);
  const used = [...new Set(report.diagnostics.map((d) => d.ruleId))].sort();
  const ruleIndex = new Map(used.map((id, index) => [id, index]));
  const occurrences = new Map<string, number>();
  return {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'stagedocs',
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            informationUri: packageRepository() ?? 'https://www.npmjs.com/package/stagedocs',
            rules: used.map((id) => sarifRule(id, base)),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: report.diagnostics.map((d) => {
          const identity = `${d.ruleId}\0${d.file}\0${d.message}`;
          const occurrence = (occurrences.get(identity) ?? 0) + 1;
          occurrences.set(identity, occurrence);
          return {
            ruleId: d.ruleId,
            ruleIndex: ruleIndex.get(d.ruleId),
            level: d.severity === 'error' ? 'error' : 'warning',
            message: { text: sentence(d.hint ? `${sentence(d.message)} ${d.hint}` : d.message) },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: artifactUri(d.file), uriBaseId: SARIF_SRCROOT },
                  region: region(d),
                },
              },
            ],
            partialFingerprints: { [SARIF_FINGERPRINT_KEY]: `${createHash('sha256').update(identity).digest('hex').slice(0, 32)}:${occurrence}` },
          };
        }),
      },
    ],
  };
}

/**
 * The base URL of the rule pages, in this order: the one given (`STAGEDOCS_DOCS_URL` in the CLI); the
 * package's repository on GitHub at this version's tag, when package.json names one (`repository`, or
 * else `homepage`); otherwise the docs shipped in the published package, for this exact version, on
 * unpkg (`docs/` is part of the package).
 */
export function docsBaseUrl(given?: string): string {
  if (given !== undefined && given !== '') {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      throw new UsageError(`The docs base URL \`${given}\` is not an absolute URL`, 'Set STAGEDOCS_DOCS_URL to an absolute http(s) URL of the rule pages, e.g. https://github.com/<owner>/stagedocs/blob/main/docs/rules/.');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`The docs base URL \`${given}\` is not an http(s) URL`, 'Set STAGEDOCS_DOCS_URL to an absolute http(s) URL of the rule pages.');
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  }
  return defaultDocsBaseUrl();
}

function defaultDocsBaseUrl(): string {
  const repository = packageRepository();
  if (repository) return `${repository}/blob/v${encodeURIComponent(TOOL_VERSION)}/docs/rules/`;
  return `https://unpkg.com/stagedocs@${encodeURIComponent(TOOL_VERSION)}/docs/rules/`;
}

/** `https://github.com/<owner>/<name>` from package.json's `repository` or `homepage`, if it is one. */
function packageRepository(): string | undefined {
  let pkg: { repository?: string | { url?: string }; homepage?: string };
  try {
    pkg = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as typeof pkg;
  } catch {
    return undefined;
  }
  const candidates = [typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url, pkg.homepage];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const match = /^(?:github:|(?:git\+)?https:\/\/github\.com\/|git@github\.com:|git:\/\/github\.com\/)?([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?(?:#.*)?\/?$/.exec(candidate);
    if (match && (candidate.includes('github') || !candidate.includes(':'))) return `https://github.com/${match[1]}/${match[2]}`;
  }
  return undefined;
}

function sarifRule(id: string, base: string): object {
  const description = RULES.find((rule) => rule.meta.id === id)?.meta.description;
  const page = rulePage(id);
  const summary = sentence(description ?? page?.intro ?? `stagedocs rule ${id}`);
  const helpUri = `${base}${encodeURIComponent(id)}.md`;
  const full = page?.intro && page.intro !== description ? sentence(page.intro) : summary;
  return {
    id,
    name: ruleName(id),
    shortDescription: { text: summary },
    fullDescription: { text: full },
    helpUri,
    help: {
      text: `${full} See ${helpUri}`,
      markdown: page?.markdown ?? `${full}\n\nSee [${id}](${helpUri}).`,
    },
    defaultConfiguration: { level: RULES.find((rule) => rule.meta.id === id)?.meta.defaultSeverity === 'warn' ? 'warning' : 'error' },
  };
}

const pages = new Map<string, { intro?: string; markdown: string } | undefined>();

/** The rule's docs page shipped with the package (`docs/rules/<id>.md`): its first paragraph and its text. */
function rulePage(id: string): { intro?: string; markdown: string } | undefined {
  if (pages.has(id)) return pages.get(id);
  let page: { intro?: string; markdown: string } | undefined;
  // Rule ids are ours ([a-z-]); anything else is not a page name.
  if (/^[a-z0-9-]+$/.test(id)) {
    try {
      const markdown = readFileSync(new URL(`docs/rules/${id}.md`, PACKAGE_ROOT), 'utf8').replace(/\r\n?/g, '\n');
      const intro = markdown
        .split(/\n{2,}/)
        .map((block) => block.trim())
        .find((block) => block !== '' && !block.startsWith('#'));
      page = { intro: intro?.replace(/\s*\n\s*/g, ' '), markdown };
    } catch {
      page = undefined;
    }
  }
  pages.set(id, page);
  return page;
}

/** `broken-link` -> `BrokenLink`: SARIF's `name` is an identifier-like name. */
function ruleName(id: string): string {
  return id.replace(/(^|[-_.])([a-z0-9])/g, (_all, _sep: string, char: string) => char.toUpperCase());
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** A repository-relative path as a relative URI reference: every segment percent-encoded (RFC 3986). */
function artifactUri(file: string): string {
  return file
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** Start and end; without a known end, the region is the one character at the start. */
function region(d: Diagnostic): object {
  const startLine = Math.max(1, d.line);
  const startColumn = Math.max(1, d.column);
  const endLine = d.endLine !== undefined && d.endLine >= startLine ? d.endLine : startLine;
  let endColumn = d.endColumn !== undefined ? d.endColumn : startColumn + 1;
  if (endLine === startLine && endColumn <= startColumn) endColumn = startColumn + 1;
  return { startLine, startColumn, endLine, endColumn: Math.max(1, endColumn) };
}
