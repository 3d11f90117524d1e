// The StreamDecryptor of Node code (the CLI, the library): Node's own AES (OpenSSL, AES-NI) by
// default; `{cipher: null}` keeps the AES in the module. A file by default: a tfhd
// base_data_offset counts from the first byte pushed (`{file: false}`: an MSE byte stream).
import { StreamDecryptor as ModuleStreamDecryptor } from '../core/decryptor.js';
import { NodeCipher } from './cipher_node.js';

export class StreamDecryptor extends ModuleStreamDecryptor {
  constructor(core, options = {}) {
    super(core, { cipher: new NodeCipher(), file: true, ...options });
  }
}
