// Exports of wasm/src/cenc: stream decryption and inspection.
//
// A push is one call: its results stay in the stream's own PushResult, whose address JS learns
// once at wee_stream_create and reads from the heap after each call (no second call, no
// module-global state per stream). Deferred-crypto streams leave their AES plan there too.
#include <cstddef>
#include <map>
#include <memory>

#include "abi.h"
#include "base/json.h"
#include "base/encoding.h"
#include "cenc/inspect.h"
#include "cenc/stream_decryptor.h"

using namespace wee;

namespace {

// What JS reads after each push/flush: 32-bit words (wasm32 pointers), in this order.
struct PushResult {
  uint32_t clear_ptr, clear_size;
  uint32_t chains_ptr, chain_count;  // cenc::CipherChain[]
  uint32_t runs_ptr, run_count;      // cenc::CipherRun[]
  uint32_t kids_ptr, kid_count;      // 16 bytes each
  uint32_t pads_ptr, pads_size;      // Options::cbc_pad_blocks
  uint32_t info_ptr, info_size;      // JSON, only when there is something to say (else 0)
};
// The layout js/src/core/decryptor.js reads.
static_assert(sizeof(cenc::CipherChain) == 32 && offsetof(cenc::CipherChain, key_index) == 4 &&
              offsetof(cenc::CipherChain, iv) == 8 && offsetof(cenc::CipherChain, first_run) == 24 &&
              offsetof(cenc::CipherChain, run_count) == 28 && sizeof(cenc::CipherRun) == 8);

struct Stream {
  explicit Stream(cenc::StreamDecryptor::Options options) : decryptor(options) {}
  cenc::StreamDecryptor decryptor;
  PushResult result{};
  std::string info;
};

std::map<int, std::unique_ptr<Stream>> g_streams;  // the handle table
int g_next_handle = 1;

Stream* Find(int handle) {
  auto it = g_streams.find(handle);
  return it == g_streams.end() ? nullptr : it->second.get();
}

Status NoStream(int handle) {
  return Status(Code::kInvalidState, "no stream decryptor with handle " + std::to_string(handle));
}

uint32_t Address(const void* p) { return uint32_t(reinterpret_cast<uintptr_t>(p)); }

// {inits: [{pssh: base64, defaultKids: [hex]}], moofPssh: [base64], missingKid: hex|null}, or
// nothing when all three are empty (the common case: a media segment).
std::string InfoJson(const cenc::StreamDecryptor::Output& out) {
  if (out.inits.empty() && out.moof_pssh.empty() && !out.missing_key) return std::string();
  Json inits = Json::array();
  for (const auto& init : out.inits) {
    Json kids = Json::array();
    for (const auto& kid : init.default_kids) kids.push_back(HexEncode(ByteSpan(kid.data(), 16)));
    inits.push_back({{"pssh", Base64Encode(init.pssh)}, {"defaultKids", kids}});
  }
  Json moof_pssh = Json::array();
  for (const Bytes& pssh : out.moof_pssh) moof_pssh.push_back(Base64Encode(pssh));
  Json info = {{"inits", inits}, {"moofPssh", moof_pssh}, {"missingKid", nullptr}};
  if (out.missing_key) info["missingKid"] = HexEncode(ByteSpan(out.missing_key->data(), 16));
  return info.dump();
}

int Publish(Stream* stream, const Status& status, const cenc::StreamDecryptor::Output& out) {
  const cenc::StreamDecryptor& d = stream->decryptor;
  stream->info = status.ok() ? InfoJson(out) : std::string();
  PushResult& r = stream->result;
  r = PushResult{};
  if (!status.ok()) return abi::Return(status);
  r.clear_ptr = Address(out.clear.data);
  r.clear_size = uint32_t(out.clear.size);
  r.chains_ptr = Address(d.plan().chains.data());
  r.chain_count = uint32_t(d.plan().chains.size());
  r.runs_ptr = Address(d.plan().runs.data());
  r.run_count = uint32_t(d.plan().runs.size());
  r.kids_ptr = Address(d.plan_kids().data());
  r.kid_count = uint32_t(d.plan_kids().size());
  r.pads_ptr = Address(d.cbc_pad_blocks().data());
  r.pads_size = uint32_t(d.cbc_pad_blocks().size());
  r.info_ptr = Address(stream->info.data());
  r.info_size = uint32_t(stream->info.size());
  return abi::Return(status);
}

}  // namespace

// flags: 1 = defer the AES work (the plan is in the PushResult), 2 = with CBC pad blocks,
// 4 = the stream is a file (tfhd base_data_offset counts from its first byte; else MSE).
// Result: {"handle": n, "result": address of the stream's PushResult}.
WEE_EXPORT int wee_stream_create(int flags) {
  cenc::StreamDecryptor::Options options;
  options.defer_crypto = flags & 1;
  options.cbc_pad_blocks = flags & 2;
  options.file_positions = flags & 4;
  int handle = g_next_handle++;
  auto stream = std::make_unique<Stream>(options);
  uint32_t result = Address(&stream->result);
  g_streams[handle] = std::move(stream);
  return abi::ReturnText("{\"handle\":" + std::to_string(handle) + ",\"result\":" + std::to_string(result) + "}");
}

WEE_EXPORT int wee_stream_destroy(int handle) {
  g_streams.erase(handle);
  return abi::Return(Status::Ok());
}

WEE_EXPORT int wee_stream_set_key(int handle, const uint8_t* kid, size_t kid_size,
                                  const uint8_t* key, size_t key_size) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  return abi::Return(stream->decryptor.SetKey(abi::Span(kid, kid_size), abi::Span(key, key_size)));
}

WEE_EXPORT int wee_stream_remove_key(int handle, const uint8_t* kid, size_t kid_size) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  stream->decryptor.RemoveKey(abi::Span(kid, kid_size));
  return abi::Return(Status::Ok());
}

// Decrypts in `data` (a buffer the caller allocated and keeps until it has read the output,
// which may point into it) when nothing is held back from earlier pushes.
WEE_EXPORT int wee_stream_push(int handle, uint8_t* data, size_t size) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  cenc::StreamDecryptor::Output out;
  Status status = stream->decryptor.PushInPlace(data, size, &out);
  return Publish(stream, status, out);
}

WEE_EXPORT int wee_stream_flush(int handle) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  cenc::StreamDecryptor::Output out;
  Status status = stream->decryptor.Flush(&out);
  return Publish(stream, status, out);
}

// Deferred crypto: runs chains [first, first + count) of the last push's plan in the module.
WEE_EXPORT int wee_stream_run(int handle, int first, int count) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  if (first < 0 || count < 0) return abi::Return(InvalidArgument("negative chain range"));
  return abi::Return(stream->decryptor.RunChains(size_t(first), size_t(count)));
}

WEE_EXPORT int wee_stream_reset(int handle) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  stream->decryptor.Reset();
  stream->result = PushResult{};
  return abi::Return(Status::Ok());
}

WEE_EXPORT int wee_inspect(const uint8_t* data, size_t size) {
  auto json = cenc::InspectToJson(abi::Span(data, size));
  if (!json.ok()) return abi::Return(json.status());
  return abi::ReturnText(*json);
}
