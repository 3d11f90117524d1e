// Exports of wasm/src/packager: an Encryptor per handle (js/src/core/packager.js wraps them).
#include <map>
#include <memory>

#include "abi.h"
#include "base/json.h"
#include "base/encoding.h"
#include "packager/encryptor.h"

using namespace wee;

namespace {

std::map<int, std::unique_ptr<packager::Encryptor>> g_packagers;
int g_next_packager = 1;

packager::Encryptor* Find(int handle) {
  auto it = g_packagers.find(handle);
  return it == g_packagers.end() ? nullptr : it->second.get();
}

Status NoPackager(int handle) {
  return Status(Code::kInvalidState, "no packager with handle " + std::to_string(handle));
}

// {"scheme": "cenc"|"cbcs"|"cens"|"cbc1", "ivSeed": hex, "rotation": n, "clearKeyPssh": bool,
//  "perSampleIv": bool, "sidx": bool}
Status ParseOptions(const std::string& text, packager::EncryptOptions* out) {
  auto parsed = ParseJson(text, JsonLimits{}, "packager options");
  if (!parsed.ok()) return InvalidArgument(parsed.status().message());
  const Json& j = *parsed;
  if (!j.is_object()) return InvalidArgument("packager options are not a JSON object");
  packager::EncryptOptions o;
  if (auto it = j.find("scheme"); it != j.end()) {
    if (!it->is_string()) return InvalidArgument("options.scheme is not a string");
    const std::string name = it->get<std::string>();
    if (name.size() != 4) return InvalidArgument("scheme '" + name + "' is not cenc, cbcs, cens or cbc1");
    const char fourcc[5] = {name[0], name[1], name[2], name[3], 0};
    auto scheme = cenc::SchemeFromFourCC(mp4::MakeFourCC(fourcc));
    if (!scheme.ok()) return InvalidArgument("scheme '" + name + "' is not cenc, cbcs, cens or cbc1");
    o.scheme = *scheme;
  }
  auto it = j.find("ivSeed");
  if (it == j.end() || !it->is_string() || !HexDecode(it->get<std::string>(), &o.iv_seed))
    return InvalidArgument("options.ivSeed must be hex");
  if (auto r = j.find("rotation"); r != j.end()) {
    if (!r->is_number_unsigned() || r->get<uint64_t>() > UINT32_MAX)
      return InvalidArgument("options.rotation must be a whole number of fragments");
    o.rotation_period = uint32_t(r->get<uint64_t>());
  }
  for (auto [name, field] : {std::pair{"clearKeyPssh", &o.clear_key_pssh},
                             std::pair{"perSampleIv", &o.cbcs_per_sample_iv},
                             std::pair{"sidx", &o.write_sidx}}) {
    auto f = j.find(name);
    if (f == j.end()) continue;
    if (!f->is_boolean()) return InvalidArgument(std::string("options.") + name + " is not a boolean");
    *field = f->get<bool>();
  }
  *out = std::move(o);
  return Status::Ok();
}

std::string KidHex(const mp4::Kid& kid) { return HexEncode(ByteSpan(kid.data(), kid.size())); }

}  // namespace

WEE_EXPORT int wee_packager_create(const char* options, size_t options_size) {
  packager::EncryptOptions o;
  Status s = ParseOptions(abi::Text(options, options_size), &o);
  if (!s.ok()) return abi::Return(s);
  const int handle = g_next_packager++;
  g_packagers[handle] = std::make_unique<packager::Encryptor>(std::move(o));
  return abi::ReturnText("{\"handle\":" + std::to_string(handle) + "}");
}

WEE_EXPORT int wee_packager_destroy(int handle) {
  g_packagers.erase(handle);
  return abi::Return(Status::Ok());
}

// kind: "video", "audio" or "" (every track without a key of its own kind).
WEE_EXPORT int wee_packager_add_key(int handle, const char* kind, size_t kind_size,
                                    const uint8_t* kid, size_t kid_size, const uint8_t* key,
                                    size_t key_size) {
  auto* p = Find(handle);
  if (!p) return abi::Return(NoPackager(handle));
  return abi::Return(p->AddKey(abi::Text(kind, kind_size), abi::Span(kid, kid_size),
                               abi::Span(key, key_size)));
}

// Result: the encrypted piece.
WEE_EXPORT int wee_packager_push(int handle, const uint8_t* data, size_t size) {
  auto* p = Find(handle);
  if (!p) return abi::Return(NoPackager(handle));
  Bytes out;
  Status s = p->Process(abi::Span(data, size), &out);
  if (!s.ok()) return abi::Return(s);
  return abi::ReturnBytes(std::move(out));
}

// Result: JSON {tracks: [{trackId, kind, codec, timescale, encrypted, pattern, perSampleIvSize,
// kids: [hex]}], fragments: [{trackId, sequenceNumber, baseMediaDecodeTime, duration,
// sampleCount, earliestPresentationTime, startsWithSap, encrypted, kid}]} (fragments of the
// last push).
WEE_EXPORT int wee_packager_info(int handle) {
  auto* p = Find(handle);
  if (!p) return abi::Return(NoPackager(handle));
  Json tracks = Json::array();
  for (const auto& t : p->tracks()) {
    Json kids = Json::array();
    for (const auto& kid : t.kids) kids.push_back(KidHex(kid));
    tracks.push_back({{"trackId", t.track_id},
                      {"kind", packager::TrackKindName(t.kind)},
                      {"codec", t.codec},
                      {"timescale", t.timescale},
                      {"encrypted", t.encrypted},
                      {"pattern", std::to_string(t.pattern.crypt) + ":" + std::to_string(t.pattern.skip)},
                      {"perSampleIvSize", t.per_sample_iv_size},
                      {"kids", kids}});
  }
  Json fragments = Json::array();
  for (const auto& f : p->last_fragments()) {
    fragments.push_back({{"trackId", f.track_id},
                         {"sequenceNumber", f.sequence_number},
                         {"baseMediaDecodeTime", f.base_media_decode_time},
                         {"duration", f.duration},
                         {"sampleCount", f.sample_count},
                         {"earliestPresentationTime", f.earliest_presentation_time},
                         {"startsWithSap", f.starts_with_sap},
                         {"encrypted", f.encrypted},
                         {"kid", f.encrypted ? Json(KidHex(f.kid)) : Json()}});
  }
  return abi::ReturnText(Json{{"tracks", tracks}, {"fragments", fragments}}.dump());
}
