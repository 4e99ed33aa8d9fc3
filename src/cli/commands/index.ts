import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { registerAuditPack } from './audit-pack.js';
import { registerFreeze } from './freeze.js';
import { registerGate } from './gate.js';
import { registerHook } from './hook.js';
import { registerInit } from './init.js';
import { registerLsp } from './lsp.js';
import { registerNewDecision } from './new-decision.js';
import { registerNewPhase } from './new-phase.js';
import { registerNewStage } from './new-stage.js';
import { registerRegistry } from './registry.js';
import { registerSchema } from './schema.js';
import { registerSignOff } from './sign-off.js';
import { registerStatus } from './status.js';
import { registerTrace } from './trace.js';
import { registerValidate } from './validate.js';

/** Every command, in the order `--help` lists them (the product brief's order). Each loads its action lazily. */
export const COMMANDS: ReadonlyArray<(program: Command, context: CommandContext) => void> = [
  registerInit,
  registerNewPhase,
  registerNewStage,
  registerNewDecision,
  registerFreeze,
  registerValidate,
  registerGate,
  registerRegistry,
  registerStatus,
  registerAuditPack,
  registerSignOff,
  registerTrace,
  registerHook,
  registerSchema,
  registerLsp,
];
