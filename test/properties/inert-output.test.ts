import fc from 'fast-check';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { renderAuditPack } from '../../src/audit/render.js';
import { colorsFor, terminalText } from '../../src/format/colors.js';
import { githubJobSummary } from '../../src/format/github.js';
import { formatValidation, type ValidationReport } from '../../src/format/validation.js';
import type { Diagnostic } from '../../src/model/diagnostic.js';
import { parseDocumentBytes } from '../../src/parse/document.js';
import { markdownInline } from '../../src/render/escape.js';
import { csvRow, parseCsv } from '../../src/util/csv.js';
import { packOf, stagePack } from '../helpers/audit-pack.js';
import { PROJECT_ROOT } from '../helpers/repo.js';

/**
 * The standing property suite of issue 13: for arbitrary titles, owners, bodies, file names and
 * gate output, no output stagedocs writes (the audit pack as GitHub renders it, terminal text, JSON,
 * SARIF, workflow annotations, the job summary, CSV) holds a control character, or a live link,
 * image, HTML tag, @mention or #reference that stagedocs did not make; and the parser's time per
 * kilobyte stays bounded on its known worst cases.
 */

/** C0 but tab and newline, DEL, C1, bidi embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** What a hostile author would try; every URL points at `evil.test`, so any href or src with it is theirs. */
const HOSTILE = [
  '@octocat', '@org/team', '#12', 'GH-3', '<img src=x onerror=alert(1)>', '<script>x</script>', '<details open>', '</details>',
  '[link](https://evil.test)', '![img](https://evil.test/a.png)', '[ref]: https://evil.test', 'https://evil.test', 'www.evil.test',
  '<https://evil.test>', 'mailto:x@evil.test', '&#64;octocat', '&lt;', '](javascript:alert(1))', '\u001b[31m', '\u001b]0;t\u0007',
  '\u0007', '\u0000', '\u009b2J', '\u202e', '\u2066', '\r', '\n', '\n\n# Heading', '\n- item', '|', '`', '```', '*', '_', '\\', ' ',
];
const hostileText = fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 })), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));

/** GitHub-flavoured HTML of the markdown, raw HTML passed through as GitHub would (then sanitise). */
function githubHtml(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** The text a reader sees outside code, where GitHub makes mentions and references. */
function proseText(html: string): string {
  return html
    .replace(/<pre>[\s\S]*?<\/pre>|<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function expectInertMarkdown(markdown: string): void {
  expect(markdown).not.toMatch(UNSAFE);
  const html = githubHtml(markdown);
  // No element the author wrote: every tag is markdown's own or one of the few stagedocs writes.
  for (const [, tag] of html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)) expect(['p', 'h1', 'h2', 'h3', 'h4', 'ul', 'ol', 'li', 'em', 'strong', 'code', 'pre', 'blockquote', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'br', 'hr', 'details', 'summary', 'b', 'del', 'input']).toContain(tag);
  expect(html).not.toMatch(/(?:href|src)="[^"]*evil/i);
  expect(html).not.toMatch(/href="(?:javascript|data|vbscript):/i);
  const prose = proseText(html);
  expect(prose).not.toMatch(/(?:^|[^\w`])@[A-Za-z0-9]/);
  expect(prose).not.toMatch(/(?:^|[^\w&])#\d/);
}

describe('no output carries what the author wrote as live markup or control characters', () => {
  it('the audit pack, rendered by a GitHub-flavoured renderer', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hostileText, hostileText, hostileText), { minLength: 1, maxLength: 2 }), (stages) => {
        const pack = packOf(
          stages.map(([title, owner, body], index) => ({ ...stagePack(`P1-S0${index}`, title, 'blocked', body), owner, outcome: { ...stagePack('P1-S00', title, 'blocked', body).outcome, blockers: [owner], next_action: body } })),
        );
        expectInertMarkdown(renderAuditPack(pack, { root: PROJECT_ROOT, templatesDir: 'templates', maxChars: 60_000 }));
      }),
      { numRuns: 50 },
    );
  });

  it('inline-escaped text alone, as every template uses it', () => {
    fc.assert(
      fc.property(hostileText, (text) => expectInertMarkdown(`Title: ${markdownInline(text)}\n`)),
      { numRuns: 500 },
    );
  });

  it('terminal text, JSON, SARIF, annotations and the job summary of arbitrary diagnostics', () => {
    const diagnostic = fc.record({ file: hostileText, message: hostileText, hint: hostileText, ruleId: fc.constantFrom('frontmatter-schema', 'unique-id') });
    fc.assert(
      fc.property(fc.array(diagnostic, { minLength: 1, maxLength: 4 }), fc.boolean(), (found, colored) => {
        const diagnostics: Diagnostic[] = found.map((d, index) => ({ ...d, line: index + 1, column: 1, severity: 'error' }));
        const report: ValidationReport = { diagnostics, errorCount: diagnostics.length, warningCount: 0, fileCount: 1 };
        const colors = colorsFor({ isTTY: colored }, colored ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' });
        for (const format of ['pretty', 'github', 'sarif', 'json'] as const) {
          // What reaches the terminal: the formatter's text through the CLI's stream filter.
          const shown = terminalText(formatValidation(report, format, colors));
          expect(shown.replace(/\u001b\[\d+m/g, ''), format).not.toMatch(UNSAFE);
          if (format === 'json') expect(JSON.parse(shown).diagnostics.map((d: Diagnostic) => d.message)).toEqual(found.map((d) => d.message));
          if (format === 'sarif') expect(JSON.parse(shown).runs[0].results).toHaveLength(found.length);
        }
        // Only our colours are escapes: none of the author's ESC survives as a sequence start.
        expect(terminalText(formatValidation(report, 'pretty', colors)).replace(/\u001b\[\d+m/g, '')).not.toContain('\u001b');
        expectInertMarkdown(githubJobSummary(report));
      }),
      { numRuns: 300 },
    );
  });

  it('CSV rows: no control character but the record separator, and read back cell for cell', () => {
    fc.assert(
      fc.property(fc.array(hostileText, { minLength: 1, maxLength: 5 }), (values) => {
        const row = csvRow(values);
        expect(row.replace(/\r\n$/, '').replace(/"[^"]*(?:""[^"]*)*"/g, '')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
        expect(parseCsv(row)[0]!.cells).toHaveLength(values.length);
      }),
      { numRuns: 1000 },
    );
  });
});

/** The least of a few timings of `run` (the minimum is the measure least disturbed by other load). */
function fastest(run: () => unknown, times = 3): number {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe('time per kilobyte stays bounded on generated worst cases', () => {
  // Inputs that make micromark quadratic (RELIABILITY.md), and escaping-heavy text. A bound that holds
  // grows about linearly: 8 times the input may take at most 8 times (with a wide margin: 24 times)
  // the time, measured in the same test, so a slow machine slows both sides alike.
  const WORST = ['* ', '> ', '- ', '1. ', '[', '](', '`', '*a', '<a ', '&#', '|', '@x ', '\\', '    '];
  const stageWith = (body: string) => new TextEncoder().encode(`---\nid: P1-S00\nkind: stage\ntitle: T\nphase: P1\norder: 0\nstatus: done\nowner: a\n---\n# T\n\n${body}\n`);
  for (const piece of WORST) {
    it(`parsing a body of repeated ${JSON.stringify(piece)}`, async () => {
      const small = stageWith(piece.repeat(Math.ceil(4_000 / piece.length)));
      const large = stageWith(piece.repeat(Math.ceil(32_000 / piece.length)));
      const time = async (bytes: Uint8Array) => {
        let best = Infinity;
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          await parseDocumentBytes('stages/p/00-a.md', bytes, { maxBytes: 1024 * 1024 });
          best = Math.min(best, performance.now() - started);
        }
        return best;
      };
      await time(small); // warm up the parser
      const [smallTime, largeTime] = [await time(small), await time(large)];
      expect(largeTime, `${smallTime.toFixed(1)} ms for 4 KB, ${largeTime.toFixed(1)} ms for 32 KB`).toBeLessThan(24 * Math.max(smallTime, 1));
    });
  }

  it('escaping and terminal filtering', () => {
    for (const piece of WORST.concat(['\u001b', '@', '#1'])) {
      const small = piece.repeat(2_000);
      const large = piece.repeat(16_000);
      fastest(() => markdownInline(small));
      expect(fastest(() => markdownInline(large)), piece).toBeLessThan(24 * Math.max(fastest(() => markdownInline(small)), 0.5));
      expect(fastest(() => terminalText(large)), piece).toBeLessThan(24 * Math.max(fastest(() => terminalText(small)), 0.5));
    }
  });
});
