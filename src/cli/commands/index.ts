import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { registerInit } from './init.js';
import { registerNewDecision } from './new-decision.js';
import { registerNewPhase } from './new-phase.js';
import { registerNewStage } from './new-stage.js';
import { registerSchema } from './schema.js';
import { registerValidate } from './validate.js';

/** Every command, in the order `--help` lists them. Each registers its flags and loads its action lazily. */
export const COMMANDS: ReadonlyArray<(program: Command, context: CommandContext) => void> = [
  registerInit,
  registerNewPhase,
  registerNewStage,
  registerNewDecision,
  registerValidate,
  registerSchema,
];
