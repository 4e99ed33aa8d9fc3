import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { globBase, globEscape, globLexicalEscape, lexicalEscape, pathEscape } from '../../src/util/inside-root.js';
import { tempDir } from '../helpers/repo.js';

/** The one containment check, on real files and symlinks (no mocked file system). */
describe('pathEscape', () => {
  it('keeps paths inside, including missing ones and `..` that stays below the root', () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'src'));
    symlinkSync('src', path.join(root, 'alias'));
    for (const inside of ['src/a.ts', 'not/yet/written.json', 'src/../docs/x.md', './src', 'alias/a.ts', '']) expect(pathEscape(root, inside), inside).toBeUndefined();
  });

  it('finds absolute paths, `..` above the root and Windows drive paths without touching the file system', () => {
    const root = tempDir();
    expect(pathEscape(root, '/etc/passwd')).toEqual({ kind: 'absolute' });
    expect(pathEscape(root, 'C:\\Users\\x')).toEqual({ kind: 'absolute' });
    expect(pathEscape(root, 'src/../../x')).toEqual({ kind: 'parent' });
    expect(pathEscape(root, '..\\x')).toEqual({ kind: 'parent' });
  });

  it('follows a chain of links, and a dangling one as far as it resolves', () => {
    const root = tempDir();
    const outside = tempDir();
    symlinkSync(path.join(outside, 'later', 'file.csv'), path.join(root, 'dangling'));
    symlinkSync('hop2', path.join(root, 'hop1'));
    symlinkSync(outside, path.join(root, 'hop2'));
    expect(pathEscape(root, 'dangling')).toEqual({ kind: 'symlink', link: 'dangling', target: path.join(outside, 'later', 'file.csv') });
    expect(pathEscape(root, 'hop1/x')).toEqual({ kind: 'symlink', link: 'hop1', target: outside });
  });

  it('does not trust a symlink loop', () => {
    const root = tempDir();
    symlinkSync('b', path.join(root, 'a'));
    symlinkSync('a', path.join(root, 'b'));
    expect(pathEscape(root, 'a/x')).toEqual({ kind: 'unresolvable', link: 'a' });
  });

  it('compares real paths: a root reached through a symlink still contains its files', () => {
    const real = tempDir();
    writeFileSync(path.join(real, 'm.json'), '{}');
    const linkedRoot = path.join(tempDir(), 'root');
    symlinkSync(real, linkedRoot);
    symlinkSync(path.join(real, 'm.json'), path.join(real, 'abs-link.json'));
    expect(pathEscape(linkedRoot, 'abs-link.json')).toBeUndefined();
  });
});

describe('globEscape', () => {
  it('checks the whole pattern lexically and its base on the file system', () => {
    const root = tempDir();
    symlinkSync(tempDir(), path.join(root, 'vendor'));
    expect(globBase('src/**/*.ts')).toBe('src');
    expect(globBase('docs/api.md')).toBe('docs/api.md');
    expect(globEscape(root, 'src/**/*.ts')).toBeUndefined();
    expect(globEscape(root, 'src/**/../../x/*.ts')).toEqual({ kind: 'parent' });
    expect(globEscape(root, 'vendor/*.ts')).toMatchObject({ kind: 'symlink', link: 'vendor' });
  });
});

/**
 * Plain paths (names and `/` only) take a shortcut past normalising; every other spelling still goes
 * the long way. Both kinds side by side, with the answer each must get.
 */
describe('the lexical checks, plain and otherwise', () => {
  const parent = { kind: 'parent' };
  const absolute = { kind: 'absolute' };
  const cases: Array<[written: string, lexical: object | undefined, glob: object | undefined]> = [
    ['docs/api-0-0.md', undefined, undefined],
    ['src/**/*.ts', undefined, undefined],
    ['**', undefined, undefined],
    ['a b/c', undefined, undefined],
    ['.hidden/x', undefined, undefined],
    ['..a/b..', undefined, undefined],
    ['/etc/passwd', absolute, absolute],
    ['C:x', absolute, absolute],
    ['c:/x', absolute, absolute],
    ['..', parent, parent],
    ['../x', parent, parent],
    ['a/../../x', parent, parent],
    ['a\\..\\..\\x', parent, parent],
    ['..\\x', parent, parent],
    ['a/..', undefined, undefined],
    ['./x', undefined, undefined],
    ['a//b/', undefined, undefined],
    ['a/./b', undefined, undefined],
    ['', undefined, undefined],
    // `**` may match no folder: without it the pattern climbs out.
    ['src/**/../../x', undefined, parent],
    ['**/..', undefined, parent],
  ];
  it.each(cases)('%j', (written, lexical, glob) => {
    expect(lexicalEscape(written)).toEqual(lexical);
    expect(globLexicalEscape(written)).toEqual(glob);
  });

  it('checks plain paths component by component on the file system as before', () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'docs'));
    symlinkSync(tempDir(), path.join(root, 'docs', 'out'));
    expect(pathEscape(root, 'docs/out/a.md')).toMatchObject({ kind: 'symlink', link: 'docs/out' });
    expect(pathEscape(root, 'docs/./out/a.md')).toMatchObject({ kind: 'symlink', link: 'docs/out' });
    expect(pathEscape(root, 'docs/in/a.md')).toBeUndefined();
    expect(pathEscape(root, 'missing/out/a.md')).toBeUndefined();
  });
});
