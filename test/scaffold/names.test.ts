import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/model/errors.js';
import { assertPhaseSlug, assertTitle, nextDecisionTag, slugify } from '../../src/scaffold/names.js';

describe('slugify', () => {
  it.each([
    ['Primary resource API', 'primary-resource-api'],
    ['Ünïcödé: "quotes" / slash `tick` | pipe', 'unicode-quotes-slash-tick-pipe'],
    ['Straße, Æsir, Øresund, Łódź, Þing', 'strasse-aesir-oresund-lodz-thing'],
    ['../../etc/passwd', 'etc-passwd'],
    ['C:\\Windows\\System32', 'c-windows-system32'],
    ['日本語のテスト', 'stage'],
    ['~', 'stage'],
    ['CON', 'con-stage'],
    ['nul', 'nul-stage'],
    ['1.10', '1-10'],
  ])('%j -> %j', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it('always gives a short, safe file name part', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (title) => {
        const slug = slugify(title);
        expect(slug).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
        expect(slug.length).toBeLessThanOrEqual(66);
        expect(slug).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/);
      }),
    );
  });
});

describe('assertPhaseSlug', () => {
  it.each(['mvp', 'stagedocs-0.1', 'a', 'ui_v2'])('accepts %j', (slug) => expect(() => assertPhaseSlug(slug)).not.toThrow());
  it.each(['', 'MVP', '../x', 'a/b', 'a..b', '-a', 'a-', '.git', 'con', 'x'.repeat(65), 'a b'])('refuses %j', (slug) => {
    expect(() => assertPhaseSlug(slug)).toThrow(UsageError);
  });
});

describe('assertTitle', () => {
  it('trims and keeps any single-line text', () => expect(assertTitle('  no: `x` | "y"  ')).toBe('no: `x` | "y"'));
  it.each(['', '   ', 'a\nb', 'a\rb', 'a\u2028b', 'tab\there', 'x'.repeat(201)])('refuses %j', (title) => {
    expect(() => assertTitle(title)).toThrow(UsageError);
  });
});

describe('nextDecisionTag', () => {
  it('takes one more than the highest number of that day, from tags and file names', () => {
    expect(nextDecisionTag('2026-11-21', new Set(), [])).toBe('D-2026-11-21-001');
    expect(nextDecisionTag('2026-11-21', new Set(['D-2026-11-21-002', 'D-2026-11-20-009']), ['D-2026-11-21-005.md', 'README.md'])).toBe('D-2026-11-21-006');
    expect(() => nextDecisionTag('2026-11-21', new Set(['D-2026-11-21-999']), [])).toThrow(UsageError);
  });
});
