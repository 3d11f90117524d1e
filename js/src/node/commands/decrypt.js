// wasm-eme decrypt: encrypted fMP4 (one file, or init + segments) -> clear fMP4, like mp4decrypt.
// Inputs are read and decrypted in chunks and the output written as it comes (into a temporary
// file renamed at the end), so memory is bounded by the largest fragment, not the file.
import { open } from 'node:fs/promises';
import { StreamDecryptor } from '../stream_decryptor.js';
import { CliError, UsageError, checkOutputNotInput, openFileAtomic, parseKeyArgs } from '../cli_util.js';

const CHUNK_BYTES = 1 << 20;

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
    const output = await openFileAtomic(values.output);
    try {
      for (const { kid, key } of keys) stream.setKey(kid, key);
      const take = async (result) => {
        if (result.missingKid) {
          throw new CliError(`no key for KID ${Buffer.from(result.missingKid).toString('hex')}`);
        }
        if (result.output.length) await output.write(result.output);
      };
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);  // push() copies it into the module
      for (const input of positionals) {
        const file = await open(input, 'r');
        try {
          for (let n; (n = (await file.read(chunk, 0, CHUNK_BYTES, null)).bytesRead) > 0;) {
            await take(stream.push(chunk.subarray(0, n)));
          }
        } finally {
          await file.close();
        }
      }
      await take(stream.flush());
      await output.commit();
    } catch (e) {
      await output.abort();
      throw e;
    } finally {
      stream.dispose();
    }
  },
};
