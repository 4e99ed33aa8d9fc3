import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { registerFreeze } from './freeze.js';
import { registerGate } from './gate.js';
import { registerRegistry } from './registry.js';
import { registerSchema } from './schema.js';
import { registerValidate } from './validate.js';

/** Every command, in the order `--help` lists them. Each registers its flags and loads its action lazily. */
export const COMMANDS: ReadonlyArray<(program: Command, context: CommandContext) => void> = [
  registerValidate,
  registerSchema,
  registerGate,
  registerFreeze,
  registerRegistry,
];
