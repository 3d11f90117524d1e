// Exports of wasm/src/cenc: stream decryption and inspection.
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "abi.h"
#include "base/encoding.h"
#include "cenc/inspect.h"
#include "cenc/stream_decryptor.h"

using namespace wee;

namespace {

std::map<int, std::unique_ptr<cenc::StreamDecryptor>> g_streams;
int g_next_handle = 1;
nlohmann::json g_last_output_info;

cenc::StreamDecryptor* Find(int handle) {
  auto it = g_streams.find(handle);
  return it == g_streams.end() ? nullptr : it->second.get();
}

Status NoStream(int handle) {
  return Status(Code::kInvalidState, "no stream decryptor with handle " + std::to_string(handle));
}

// Result = clear bytes; the rest of the output is kept for wee_stream_info().
int ReturnOutput(const Status& status, cenc::StreamDecryptor::Output& out) {
  if (!status.ok()) return abi::Return(status);
  nlohmann::json inits = nlohmann::json::array();
  for (const auto& init : out.inits) {
    nlohmann::json kids = nlohmann::json::array();
    for (const auto& kid : init.default_kids) kids.push_back(HexEncode(ByteSpan(kid.data(), 16)));
    inits.push_back({{"pssh", Base64Encode(init.pssh)}, {"defaultKids", kids}});
  }
  nlohmann::json moof_pssh = nlohmann::json::array();
  for (const Bytes& pssh : out.moof_pssh) moof_pssh.push_back(Base64Encode(pssh));
  g_last_output_info = {{"inits", inits}, {"moofPssh", moof_pssh}, {"missingKid", nullptr}};
  if (out.missing_key) g_last_output_info["missingKid"] = HexEncode(ByteSpan(out.missing_key->data(), 16));
  return abi::ReturnBytes(std::move(out.clear));
}

}  // namespace

WEE_EXPORT int wee_stream_create() {
  int handle = g_next_handle++;
  g_streams[handle] = std::make_unique<cenc::StreamDecryptor>();
  return abi::ReturnText("{\"handle\":" + std::to_string(handle) + "}");
}

WEE_EXPORT int wee_stream_destroy(int handle) {
  g_streams.erase(handle);
  return abi::Return(Status::Ok());
}

WEE_EXPORT int wee_stream_set_key(int handle, const uint8_t* kid, size_t kid_size,
                                  const uint8_t* key, size_t key_size) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  return abi::Return(stream->SetKey(abi::Span(kid, kid_size), abi::Span(key, key_size)));
}

WEE_EXPORT int wee_stream_remove_key(int handle, const uint8_t* kid, size_t kid_size) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  stream->RemoveKey(abi::Span(kid, kid_size));
  return abi::Return(Status::Ok());
}

WEE_EXPORT int wee_stream_push(int handle, const uint8_t* data, size_t size) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  cenc::StreamDecryptor::Output out;
  Status status = stream->Push(abi::Span(data, size), &out);
  return ReturnOutput(status, out);
}

WEE_EXPORT int wee_stream_flush(int handle) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  cenc::StreamDecryptor::Output out;
  Status status = stream->Flush(&out);
  return ReturnOutput(status, out);
}

WEE_EXPORT int wee_stream_reset(int handle) {
  auto* stream = Find(handle);
  if (!stream) return abi::Return(NoStream(handle));
  stream->Reset();
  return abi::Return(Status::Ok());
}

// JSON {inits: [{pssh: base64, defaultKids: [hex]}], moofPssh: [base64], missingKid: hex|null}
// of the last push/flush.
WEE_EXPORT int wee_stream_info() { return abi::ReturnText(g_last_output_info.dump()); }

WEE_EXPORT int wee_inspect(const uint8_t* data, size_t size) {
  auto json = cenc::InspectToJson(abi::Span(data, size));
  if (!json.ok()) return abi::Return(json.status());
  return abi::ReturnText(*json);
}
