import pc from 'picocolors';

/** The colour functions a formatter writes with; all identity functions when colours are off. */
export type Colors = ReturnType<typeof pc.createColors>;

/** Colours only on a terminal, never under NO_COLOR or TERM=dumb; FORCE_COLOR forces them. */
export function colorsFor(stream: { isTTY: boolean }, env: Readonly<Record<string, string | undefined>>): Colors {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const disabled = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  return pc.createColors(!disabled && (forced || stream.isTTY));
}
