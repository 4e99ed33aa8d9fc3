import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { registerAuditPack } from './audit-pack.js';
import { registerSchema } from './schema.js';
import { registerStatus } from './status.js';
import { registerValidate } from './validate.js';

/** Every command, in the order `--help` lists them. Each registers its flags and loads its action lazily. */
export const COMMANDS: ReadonlyArray<(program: Command, context: CommandContext) => void> = [registerValidate, registerStatus, registerAuditPack, registerSchema];
