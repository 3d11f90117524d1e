// Shared by the CLI commands: errors, key arguments, all-or-nothing output files.
import { open, rename, unlink } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';

/** Wrong command-line usage: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** A failure to report in one line, exit code 1. */
export class CliError extends Error {
  constructor(message) {
    super(message);
    this.wasmEmeCli = true;
  }
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');

/**
 * Parses repeated `--key KID:KEY` values (each part hex, base64 or base64url) into
 * [{kid, key}]. The same KID twice with different keys is an error.
 */
export function parseKeyArgs(core, values) {
  const keys = new Map();
  for (const text of values || []) {
    const colon = text.indexOf(':');
    if (colon <= 0) throw new UsageError(`--key '${text.replace(/:.*/, ':…')}' is not KID:KEY`);
    const kid = core.call('decode_key_text', text.slice(0, colon), 'KID', 16);
    const key = core.call('decode_key_text', text.slice(colon + 1), 'key', 16);
    const known = keys.get(hex(kid));
    if (known && hex(known.key) !== hex(key)) throw new CliError(`KID ${hex(kid)} is given twice with different keys`);
    keys.set(hex(kid), { kid, key });
  }
  return [...keys.values()];
}

/**
 * The real path, links resolved; for a path that does not exist yet, the real path of its
 * nearest existing ancestor plus the rest (so that a new output under a linked folder is still
 * recognised as inside an input).
 */
export function canonical(path) {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(canonical(parent), basename(absolute));
  }
}

/** Refuses an output path that is one of the inputs. */
export function checkOutputNotInput(output, inputs) {
  const out = canonical(output);
  for (const input of inputs) {
    if (canonical(input) === out) throw new CliError(`output ${output} would overwrite the input ${input}`);
  }
}

/**
 * An output written piece by piece into a temporary file beside it: commit() renames it into
 * place, abort() removes it, so `path` only ever appears whole.
 */
export async function openFileAtomic(path) {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const handle = await open(tmp, 'w');
  let isOpen = true;
  const close = async () => {
    if (isOpen) {
      isOpen = false;
      await handle.close();
    }
  };
  return {
    write: (bytes) => handle.writeFile(bytes),  // the whole of `bytes`, at the current end
    async commit() {
      await close();
      await rename(tmp, path);
    },
    async abort() {
      await close().catch(() => {});
      await unlink(tmp).catch(() => {});
    },
  };
}

/** Writes via a temporary file and a rename, so a failure never leaves a partial file. */
export async function writeFileAtomic(path, bytes) {
  const file = await openFileAtomic(path);
  try {
    await file.write(bytes);
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e;
  }
}
