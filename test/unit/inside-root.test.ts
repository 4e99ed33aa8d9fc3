import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { globBase, globEscape, pathEscape } from '../../src/util/inside-root.js';
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
