// wasm-eme inspect: the encryption layout of fMP4 files as JSON.
import { readFile } from 'node:fs/promises';
import { inspect } from '../../core/decryptor.js';
import { UsageError } from '../cli_util.js';

export default {
  name: 'inspect',
  summary: 'print the encryption layout (tracks, scheme, KIDs, pssh, fragments) as JSON',
  usage: `usage: wasm-eme inspect FILE...
  FILE...  one fragmented MP4, or an init segment followed by media segments (read as one stream)`,
  options: {},
  async run({ core, positionals, stdout }) {
    if (!positionals.length) throw new UsageError('no input file');
    const bytes = Buffer.concat(await Promise.all(positionals.map((p) => readFile(p))));
    stdout.write(JSON.stringify(inspect(core, bytes), null, 2) + '\n');
  },
};
