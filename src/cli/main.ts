import { colorsFor } from '../format/colors.js';
import { annotation } from '../format/github.js';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, StagedocsError, EXIT_USAGE } from '../model/errors.js';
import { TOOL_VERSION } from '../util/version.js';
import { COMMANDS } from './commands/index.js';
import { type CliIo } from './io.js';

/** What every command's action gets: the process environment and a way to set the exit code. */
export interface CommandContext {
  io: CliIo;
  setExitCode(code: number): void;
}

/**
 * Runs the CLI and returns the exit code; only bin.ts turns it into the process's. Commands register
 * their flags and help here, and import their implementation lazily, so `--help` stays fast.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const context: CommandContext = { io, setExitCode: (code) => void (exitCode = Math.max(exitCode, code)) };
  const program = new Command('stagedocs')
    .description('Git-native docs-as-code for staged work with objective gates.')
    .version(TOOL_VERSION, '-v, --version')
    .addOption(new Option('--cwd <dir>', 'run as if started in <dir>'))
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(colorsFor(io.stderr, io.env).red(text)),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ stagedocs init --yes
  $ stagedocs new-phase mvp --pattern mvp-backend
  $ stagedocs validate
  $ stagedocs gate run P1-S00
  $ stagedocs audit-pack --base main > audit.md

Exit codes: 0 success (warnings allowed), 1 the checked thing failed, 2 usage or configuration error.`,
    );
  for (const register of COMMANDS) register(program, context);
  for (const command of program.commands) inheritSettings(command, program);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, githubFormat(argv));
  }
}

/** Subcommands (and theirs) write through the same streams and never exit the process. */
function inheritSettings(command: Command, parent: Command): void {
  command.copyInheritedSettings(parent);
  for (const child of command.commands) inheritSettings(child, command);
}

/** `--format github` on the command line: errors then become workflow annotations too. */
function githubFormat(argv: readonly string[]): boolean {
  return argv.some((arg, index) => arg === '--format=github' || (arg === '--format' && argv[index + 1] === 'github'));
}

function reportError(error: unknown, io: CliIo, github: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help / version).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    if (github) io.stdout.write(`${annotation('error', error.message.replace(/^error: /, ''), { title: 'stagedocs: usage error' })}\n`);
    return EXIT_USAGE;
  }
  const colors = colorsFor(io.stderr, io.env);
  if (error instanceof StagedocsError) {
    if (github) io.stdout.write(`${errorAnnotation(error)}\n`);
    io.stderr.write(`${colors.red('error')} ${error.message}\n`);
    if (error.hint) io.stderr.write(`  ${colors.dim('hint:')} ${error.hint}\n`);
    return error.exitCode;
  }
  throw error;
}

/** A configuration error points at its file, line and column; any other at nothing. */
function errorAnnotation(error: StagedocsError): string {
  const text = error.hint ? `${error.message}\n${error.hint}` : error.message;
  if (error instanceof ConfigError) {
    const prefix = `${error.file}:${error.line}:${error.column}: `;
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return annotation('error', error.hint ? `${message}\n${error.hint}` : message, { file: error.file, line: error.line, col: error.column, title: 'stagedocs: configuration error' });
  }
  return annotation('error', text, { title: error.exitCode === EXIT_USAGE ? 'stagedocs: usage error' : 'stagedocs' });
}
