import { colorsFor } from '../format/colors.js';
import { annotation } from '../format/github.js';
import { Command, CommanderError, Help, Option } from 'commander';
import { ConfigError, StagedocsError, EXIT_USAGE } from '../model/errors.js';
import { TOOL_VERSION } from '../util/version.js';
import type { CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { asFileSystemFailure, presentError } from './errors.js';
import { inertIo, type CliIo } from './io.js';

/** How the top-level help lists each command: its name and arguments, from the command table. */
const TERMS = new Map(COMMANDS.map((entry) => [entry.name, entry.usage === '' ? entry.name : `${entry.name} ${entry.usage}`]));

/**
 * Runs the CLI and returns the exit code; only bin.ts turns it into the process's. Every command is
 * known by name and summary; only the module of the command being run is imported (flags, help and
 * action), so `--help` and every command start fast.
 */
export async function run(argv: string[], processIo: CliIo): Promise<number> {
  const invoked = invokedCommand(argv);
  const io = invoked === 'lsp' ? processIo : inertIo(processIo);
  let exitCode = 0;
  const context: CommandContext = { io, setExitCode: (code) => void (exitCode = Math.max(exitCode, code)) };
  const program: Command = new Command('stagedocs')
    .description('Git-native docs-as-code for staged work with objective gates.')
    .version(TOOL_VERSION, '-v, --version')
    .addOption(new Option('--cwd <dir>', 'run as if started in <dir>'))
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({
      showGlobalOptions: true,
      subcommandTerm: (command): string => (command.parent === program ? TERMS.get(command.name()) : undefined) ?? new Help().subcommandTerm(command),
    })
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
  for (const entry of COMMANDS) {
    const command = program.command(entry.name).summary(entry.summary);
    if (entry.name === invoked) (await entry.load()).register(command, context);
  }
  for (const command of program.commands) inheritSettings(command, program);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, githubFormat(argv));
  }
}

/**
 * The command the arguments name: the first word that is not a global option (`--cwd <dir>` takes a
 * value), or the one after `help`. Undefined for `stagedocs`, `stagedocs --help`, `--version`.
 */
function invokedCommand(argv: readonly string[]): string | undefined {
  const words: string[] = [];
  for (let index = 0; index < argv.length && words.length < 2; index++) {
    const arg = argv[index]!;
    if (arg === '--') break;
    if (arg === '--cwd') index++;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words[0] === 'help' ? words[1] : words[0];
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
  error = asFileSystemFailure(error, io.cwd);
  if (error instanceof StagedocsError) {
    const { message, hint } = presentError(error);
    if (github) io.stdout.write(`${errorAnnotation(error, message, hint)}\n`);
    io.stderr.write(`${colors.red('error')} ${message}\n`);
    if (hint) io.stderr.write(`  ${colors.dim('hint:')} ${hint}\n`);
    return error.exitCode;
  }
  throw error;
}

/** A configuration error points at its file, line and column; any other at nothing. */
function errorAnnotation(error: StagedocsError, message: string, hint: string | undefined): string {
  const text = hint ? `${message}\n${hint}` : message;
  if (error instanceof ConfigError) {
    const prefix = `${error.file}:${error.line}:${error.column}: `;
    const bare = message.startsWith(prefix) ? message.slice(prefix.length) : message;
    return annotation('error', hint ? `${bare}\n${hint}` : bare, { file: error.file, line: error.line, col: error.column, title: 'stagedocs: configuration error' });
  }
  return annotation('error', text, { title: error.exitCode === EXIT_USAGE ? 'stagedocs: usage error' : 'stagedocs' });
}
