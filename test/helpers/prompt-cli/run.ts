/**
 * A test-only CLI, launched like the real bins (same loadOptionsFor, BaseCommand, hooks), whose one
 * command exercises the prompt helpers the way a sipctl command does. Not shipped: it lives under
 * test/ and is reached only by tests (node dist/test/helpers/prompt-cli/run.js user add ...).
 */
import { execute, type Interfaces } from '@oclif/core';
import { loadOptionsFor } from '../../../src/cli/launch.js';

const base = loadOptionsFor('sipctl', { manifest: 'scan' }) as Interfaces.Options & { pjson: Interfaces.PJSON };
const oclif = { ...base.pjson.oclif, bin: 'prompt-fixture', commands: './dist/test/helpers/prompt-cli/commands' };
const pjson = { ...base.pjson, oclif } as Interfaces.PJSON;
await execute({ args: process.argv.slice(2), loadOptions: { ...base, pjson } });
