// Messages between the page and the decrypt worker (decrypt_worker.js). Requests:
//   {id, op: 'init', variant?, module?, wasmUrl?} -> {id, ok: true}  (module: a WebAssembly.Module)
//   {id, op: 'create', stream, cipher?}     -> {id, ok: true, result: {backend}} (cipher: see cipher_choice.js)
//   {id, op: 'push' | 'flush', stream, bytes?} -> {id, chunk}* then {id, ok: true, result: {output, inits, moofPssh, missingKid}}
//     (chunks: clear prefixes of the output, in order, before the answer; output is the rest)
//   {id, op: 'setKey', stream, kid, key} | {op: 'removeKey', stream, kid} | {op: 'reset' | 'dispose', stream}
// Failures answer {id, ok: false, error: {code, message}} (code as WasmEmeError.code).
// Byte buffers are transferred, never copied; key buffers are zeroed once handed to wasm.
export const OPS = ['init', 'create', 'push', 'flush', 'setKey', 'removeKey', 'reset', 'dispose'];

/** The ArrayBuffers of a decrypt result, to transfer them with postMessage. */
export function resultTransferables(result) {
  if (!result.output) return [];
  const list = [result.output.buffer];
  for (const init of result.inits) {
    list.push(init.pssh.buffer);
    for (const kid of init.defaultKids) list.push(kid.buffer);
  }
  for (const pssh of result.moofPssh) list.push(pssh.buffer);
  if (result.missingKid) list.push(result.missingKid.buffer);
  // A buffer may back several views; postMessage rejects duplicates.
  return [...new Set(list)];
}
