import { randomBytes } from 'node:crypto';
import pc from 'picocolors';
import { inertText } from '../util/text.js';

/** The colour functions a formatter writes with; all identity functions when colours are off. */
export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Stands for an ESC or CR that stagedocs itself writes (a colour, a progress redraw) until the
 * terminal stream turns it back (`terminalText`). Every other control character reaching a stream is
 * shown as an escape; the random part makes the token impossible to forge from a title, a file name
 * or gate output, which could otherwise smuggle a real escape sequence through.
 */
const OWN_CONTROL = `\uE000${randomBytes(12).toString('hex')}`;
const OWN_ESC = `${OWN_CONTROL}e`;
const OWN_CR = `${OWN_CONTROL}r`;

/** A terminal control sequence of our own (`\r\x1b[K`), to survive `terminalText`. */
export function ownControl(sequence: string): string {
  return sequence.replace(/\x1b/g, OWN_ESC).replace(/\r/g, OWN_CR);
}

/**
 * What a terminal (or a pipe, a log, a file redirected to) receives: control characters and bidi
 * overrides from untrusted text shown as `\uXXXX`, our own colours and redraws restored.
 */
export function terminalText(text: string): string {
  const inert = inertText(text);
  return inert.includes(OWN_CONTROL) ? inert.replaceAll(OWN_ESC, '\x1b').replaceAll(OWN_CR, '\r') : inert;
}

/** Colours only on a terminal, never under NO_COLOR or TERM=dumb; FORCE_COLOR forces them. */
export function colorsFor(stream: { isTTY: boolean }, env: Readonly<Record<string, string | undefined>>): Colors {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const disabled = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  const enabled = !disabled && (forced || stream.isTTY);
  const colors = pc.createColors(enabled);
  if (!enabled) return colors;
  // The text coloured is often untrusted: its own control characters are made inert before ours
  // are added, so the only escapes that reach the terminal are the colours.
  const own = Object.fromEntries(
    Object.entries(colors).map(([name, paint]) => [name, typeof paint === 'function' ? (text: unknown) => ownControl(paint(inertText(String(text)))) : paint]),
  );
  return own as Colors;
}
