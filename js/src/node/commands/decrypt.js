// wasm-eme decrypt: encrypted fMP4 (one file, or init + segments) -> clear fMP4, like mp4decrypt.
import { readFile } from 'node:fs/promises';
import { StreamDecryptor } from '../stream_decryptor.js';
import { CliError, UsageError, checkOutputNotInput, parseKeyArgs, writeFileAtomic } from '../cli_util.js';

export default {
  name: 'decrypt',
  summary: 'decrypt Common Encryption fMP4 (cenc, cbcs, cens, cbc1) to clear fMP4',
  usage: `usage: wasm-eme decrypt --key KID:KEY [--key KID:KEY ...] IN... -o OUT
  IN...        one fragmented MP4, or an init segment followed by media segments, read as one
               stream (a tfhd base_data_offset counts from the first byte of the first IN)
  --key        16-byte KID and key, each hex, base64 or base64url
  -o, --output the clear fragmented MP4 (written only if everything decrypts)`,
  options: {
    key: { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
  },
  async run({ core, values, positionals }) {
    if (!positionals.length) throw new UsageError('no input file');
    if (!values.output) throw new UsageError('no output file (-o OUT)');
    const keys = parseKeyArgs(core, values.key);
    if (!keys.length) throw new UsageError('no key (--key KID:KEY)');
    checkOutputNotInput(values.output, positionals);

    const stream = new StreamDecryptor(core);
    try {
      for (const { kid, key } of keys) stream.setKey(kid, key);
      const parts = [];
      const take = (result) => {
        if (result.missingKid) {
          throw new CliError(`no key for KID ${Buffer.from(result.missingKid).toString('hex')}`);
        }
        parts.push(result.output);
      };
      for (const input of positionals) take(stream.push(await readFile(input)));
      take(stream.flush());
      await writeFileAtomic(values.output, Buffer.concat(parts));
    } finally {
      stream.dispose();
    }
  },
};
