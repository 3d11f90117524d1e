#!/usr/bin/env node
// wasm-eme command line. Each command lives in ./commands/<name>.js and exports
// {name, summary, usage, options, run(ctx)}; failures print one line and exit non-zero.
import { parseArgs } from 'node:util';
import { loadCore, WasmEmeError } from '../core/module.js';
import { UsageError } from './cli_util.js';
import decrypt from './commands/decrypt.js';
import encrypt from './commands/encrypt.js';
import inspect from './commands/inspect.js';
import jwt from './commands/jwt.js';
import keyseed from './commands/keyseed.js';
import oauth from './commands/oauth.js';
import serve from './commands/serve.js';

const commands = [decrypt, encrypt, inspect, serve, jwt, keyseed, oauth];

function help() {
  const lines = ['usage: wasm-eme <command> [options]', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push('', 'wasm-eme <command> --help shows the options of a command.');
  return lines.join('\n');
}

export async function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    stderr.write(`wasm-eme: unknown command '${name}'\n${help()}\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { help: { type: 'boolean', short: 'h' }, ...command.options },
      allowPositionals: true,
    });
    if (values.help) {
      stdout.write(command.usage + '\n');
      return 0;
    }
    const core = await loadCore();
    await command.run({ core, values, positionals, stdout, stderr });
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
        e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      stderr.write(`wasm-eme ${name}: ${e.message}\n${command.usage}\n`);
      return 2;
    }
    if (e instanceof WasmEmeError || e?.wasmEmeCli) {
      stderr.write(`wasm-eme ${name}: ${e.message}\n`);
      return 1;
    }
    if (e?.code && typeof e.code === 'string' && e.syscall) {  // fs errors: ENOENT and friends
      stderr.write(`wasm-eme ${name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
