import { describe, expect, it } from 'vitest';
import { annotation, GITHUB_ANNOTATION_LIMIT } from '../../src/format/github.js';

describe('workflow command annotations', () => {
  it('keep their text inert: %, CR, LF in the data; and :, , too in properties', () => {
    const line = annotation('error', 'a%b\r\nc\n::warning::injected', { file: 'stages/a,b:c%\n.md', line: 3, col: 4, title: 'x: y, z' });
    expect(line).toBe('::error file=stages/a%2Cb%3Ac%25%0A.md,line=3,col=4,title=x%3A y%2C z::a%25b%0D%0Ac%0A::warning::injected');
    expect(line.split('\n')).toHaveLength(1);
  });

  it('GitHub shows 10 per severity and step', () => {
    expect(GITHUB_ANNOTATION_LIMIT).toBe(10);
  });
});
