import { describe, expect, it } from 'vitest';
import { markdownAuthored } from '../../src/render/escape.js';
import { compileTemplate } from '../../src/render/templates.js';

describe('markdownAuthored (pattern text)', () => {
  it.each([
    ['`GET /healthz` returns `ok`', '`GET /healthz` returns `ok`'],
    ['`a < b` but <b>not html</b>', '`a < b` but &lt;b>not html&lt;/b>'],
    ['# not a heading', '\\# not a heading'],
    ['> not a quote', '\\> not a quote'],
    ['[x](javascript:alert(1))', '[x](#unsafe-link:alert(1))'],
    ['two\nlines\r\nhere', 'two lines here'],
  ])('%j -> %j', (input, output) => {
    expect(markdownAuthored(input)).toBe(output);
  });
});

describe('template helpers are strict about missing fields', () => {
  it.each(['md', 'yaml', 'code', 'heading', 'authored', 'id'])('{{%s missing}} is an error naming the place', (helper) => {
    const render = compileTemplate(`line one\n{{${helper} missing}}`, 'test.hbs');
    expect(() => render({})).toThrow(`\`${helper}\` at line 2, column 1 got a field that is missing from the data`);
  });

  it('null renders as empty text: it is how data says "no value"', () => {
    expect(compileTemplate('[{{md value}}]', 'test.hbs')({ value: null })).toBe('[]');
  });
});
