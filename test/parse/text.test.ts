import { describe, expect, it } from 'vitest';
import { findExcessiveNesting, MAX_NESTING } from '../../src/util/text.js';

describe('findExcessiveNesting', () => {
  it('finds the first line nested deeper than the limit, whatever the container markers', () => {
    const deepQuote = '> '.repeat(MAX_NESTING + 1) + 'x';
    const deepList = '  ' + '- '.repeat(MAX_NESTING + 1) + 'x';
    const deepOrdered = '1. '.repeat(MAX_NESTING + 1) + 'x';
    expect(findExcessiveNesting(`text\n${deepQuote}\n`)).toEqual({ line: 2, depth: MAX_NESTING + 1 });
    expect(findExcessiveNesting(`a\nb\n${deepList}`)).toEqual({ line: 3, depth: MAX_NESTING + 1 });
    expect(findExcessiveNesting(deepOrdered)).toEqual({ line: 1, depth: MAX_NESTING + 1 });
  });

  it('accepts nesting up to the limit and ordinary text', () => {
    expect(findExcessiveNesting('> '.repeat(MAX_NESTING) + 'x')).toBeUndefined();
    expect(findExcessiveNesting('plain text > - * + 1. that is not at the start\n- item\n')).toBeUndefined();
  });
});
