import { UnsafeRefError, type RefRole } from '../model/errors.js';

/**
 * Refs given on the command line (`--base`, `--head`) are held to an allowlist before they reach git:
 * no leading `-` (an option such as `--output=<path>`), only ref-name characters and `~N` / `^N`
 * suffixes, and none of the sequences git itself refuses. simple-git's own guards have been bypassed
 * many times, so this check, plus `--end-of-options` before every revision, is ours.
 */
const REF = /^(?!-)[A-Za-z0-9_][A-Za-z0-9._/+-]{0,254}(?:[~^]\d{0,4})*$/;

export function isSafeRef(value: string): boolean {
  if (!REF.test(value)) return false;
  const name = value.replace(/(?:[~^]\d*)+$/, '');
  return !(
    name.includes('..') ||
    name.includes('//') ||
    name.includes('/.') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.endsWith('.lock')
  );
}

/** Throws UnsafeRefError (exit 2, carrying what the ref is for) when a ref is not safe to pass to git. */
export function assertSafeRef(value: string, role: RefRole): string {
  if (!isSafeRef(value)) throw new UnsafeRefError(value, role);
  return value;
}

/** A full or abbreviated commit SHA. */
export function isSha(value: string): boolean {
  return /^[0-9a-f]{7,64}$/.test(value);
}
