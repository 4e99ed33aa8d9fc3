/**
 * Quotes a value for a POSIX shell: single quotes, with embedded single quotes closed and escaped, so
 * that `$`, backticks and spaces stay text. Used for scripts stagedocs writes (command.sh, the hook)
 * and for commands it suggests, which people paste into a shell.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
