import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { registerHook } from './hook.js';
import { registerSchema } from './schema.js';
import { registerSignOff } from './sign-off.js';
import { registerTrace } from './trace.js';
import { registerValidate } from './validate.js';

/** Every command, in the order `--help` lists them. Each registers its flags and loads its action lazily. */
export const COMMANDS: ReadonlyArray<(program: Command, context: CommandContext) => void> = [registerValidate, registerSchema, registerHook, registerSignOff, registerTrace];
