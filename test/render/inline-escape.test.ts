import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markdownInline } from '../../src/render/escape.js';
import { inertText } from '../../src/util/text.js';

/** markdownInline without its shortcut for text that needs no escaping: every replacement, always. */
function everyReplacement(value: unknown): string {
  return inertText(String(value ?? '').replace(/\r\n?|\n|\u2028|\u2029/g, ' '))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~$#]/g, (char) => `\\${char}`)
    .replace(/^([-+=]|\d{1,9}(?=[.)]))/, (start) => (/\d/.test(start) ? `${start}\\` : `\\${start}`))
    .replace(/\\\]\(/g, '\\]\\(')
    .replace(/(https?|ftp|mailto|xmpp):/gi, '$1\\:')
    .replace(/(www)\./gi, '$1\\.')
    .replace(/\\#(?=\d)/g, '\\#&#8203;')
    .replace(/@/g, '@&#8203;');
}

describe('markdownInline', () => {
  it('escapes exactly as the full chain of replacements does, plain text included', () => {
    const special = fc.constantFrom('\r', '\n', '\r\n', '\u2028', '\u2029', '&', '<', '>', '\\', '`', '*', '_', '[', ']', '](', '|', '~', '$', '#', '@', '-', '+', '=', '1.', '12)', '(', ' ', 'a', 'Z', '9', ':', 'https', 'www', 'WWW.', '.', 'http://x', '0https://x', '#12', '\u001b', '\u202e');
    const text = fc.oneof(fc.string(), fc.array(special, { maxLength: 12 }).map((parts) => parts.join('')), fc.constantFrom('Resource API part 9 of P14', 'not-started', '1. item', '-', ''));
    fc.assert(
      fc.property(text, (value) => {
        expect(markdownInline(value)).toBe(everyReplacement(value));
      }),
      { numRuns: 2000 },
    );
    expect(markdownInline(undefined)).toBe('');
    expect(markdownInline(42)).toBe('42');
  });
});
