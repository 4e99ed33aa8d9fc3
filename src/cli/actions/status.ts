import { colorsFor } from '../../format/colors.js';
import { assess } from '../../api/assess.js';
import { formatStatusMarkdown, formatStatusTable } from '../../format/status.js';
import { EXIT_OK } from '../../model/errors.js';
import type { StatusFlags } from '../commands/status.js';
import { commandRoot } from '../context.js';
import { type CliIo } from '../io.js';

export async function statusAction(flags: StatusFlags, io: CliIo): Promise<number> {
  const report = await assess({ root: await commandRoot(io, flags.cwd, 'optional'), env: io.env });
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (flags.format === 'md') {
    io.stdout.write(formatStatusMarkdown(report));
  } else {
    const colors = colorsFor(io.stdout, io.env);
    // The bar is for people at a terminal (it is not colour, so NO_COLOR keeps it); FORCE_COLOR asks for the terminal look.
    io.stdout.write(formatStatusTable(report, colors, io.stdout.isTTY || colors.isColorSupported));
  }
  return EXIT_OK;
}
