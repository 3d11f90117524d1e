#include "cenc/inspect.h"

#include <algorithm>
#include <optional>


#include "base/encoding.h"
#include "base/json.h"
#include "mp4/parser.h"

namespace wee::cenc {
namespace {

// Insertion order: the JSON reads in the order a person inspects a file.
using json = wee::Json;

json PsshJson(const mp4::Pssh& pssh) {
  json kids = json::array();
  for (const mp4::Kid& kid : pssh.kids) kids.push_back(HexEncode(ByteSpan(kid.data(), 16)));
  return {{"systemId", UuidString(ByteSpan(pssh.system_id.data(), 16))},
          {"version", pssh.version},
          {"kids", kids},
          {"dataSize", pssh.data.size()}};
}

std::string PatternText(const mp4::Pattern& p) {
  return std::to_string(p.crypt) + ":" + std::to_string(p.skip);
}

json TrackJson(const mp4::Track& track) {
  json t = {{"trackId", track.track_id},
            {"handler", mp4::FourCCString(track.handler)},
            {"sampleEntry", mp4::FourCCString(track.sample_entry_type)},
            {"protected", track.tenc.is_protected}};
  if (!track.tenc.is_protected) return t;
  t["originalFormat"] = mp4::FourCCString(track.original_format);
  t["scheme"] = mp4::FourCCString(track.scheme_type);
  t["schemeVersion"] = track.scheme_version;
  t["perSampleIvSize"] = track.tenc.per_sample_iv_size;
  t["defaultKid"] = HexEncode(ByteSpan(track.tenc.kid.data(), 16));
  t["pattern"] = PatternText(track.tenc.pattern);
  if (!track.tenc.constant_iv.empty()) t["constantIv"] = HexEncode(track.tenc.constant_iv);
  if (!track.seig_entries.empty()) {
    json groups = json::array();
    for (const mp4::EncryptionParams& e : track.seig_entries)
      groups.push_back({{"protected", e.is_protected},
                        {"kid", HexEncode(ByteSpan(e.kid.data(), 16))},
                        {"perSampleIvSize", e.per_sample_iv_size}});
    t["seigGroups"] = groups;
  }
  return t;
}

json FragmentJson(const mp4::Fragment& fragment) {
  json trafs = json::array();
  for (const mp4::TrackFragment& traf : fragment.trafs) {
    json kids = json::array();
    size_t protected_samples = 0, subsampled = 0;
    for (const mp4::Sample& s : traf.samples) {
      if (!s.is_protected) continue;
      ++protected_samples;
      if (!s.subsamples.empty()) ++subsampled;
      std::string kid = HexEncode(ByteSpan(s.kid.data(), 16));
      if (std::find(kids.begin(), kids.end(), kid) == kids.end()) kids.push_back(kid);
    }
    trafs.push_back({{"trackId", traf.track_id},
                     {"baseMediaDecodeTime", traf.base_media_decode_time},
                     {"sampleCount", traf.samples.size()},
                     {"protectedSamples", protected_samples},
                     {"samplesWithSubsamples", subsampled},
                     {"kids", kids}});
  }
  json pssh = json::array();
  for (const mp4::Pssh& p : fragment.pssh) pssh.push_back(PsshJson(p));
  return {{"offset", fragment.moof.offset},
          {"sequenceNumber", fragment.sequence_number},
          {"tracks", trafs},
          {"pssh", pssh}};
}

}  // namespace

Result<std::string> InspectToJson(ByteSpan data) {
  json tracks = json::array(), pssh = json::array(), fragments = json::array();
  std::optional<mp4::InitSegment> init;
  uint64_t offset = 0;
  while (offset < data.size) {
    mp4::BoxHeader header;
    Status status = mp4::ReadBoxHeader(data, offset, /*at_end=*/true, &header);
    if (status.code() == Code::kNeedMoreData)
      return Malformed("truncated box at byte " + std::to_string(offset) + ": " + status.message());
    WEE_RETURN_IF_ERROR(status);
    if (header.type == mp4::MakeFourCC("moov")) {
      mp4::InitSegment parsed;
      WEE_RETURN_IF_ERROR(mp4::ParseInit(data.sub(size_t(offset), size_t(header.size)), &parsed));
      for (const mp4::Track& t : parsed.tracks) tracks.push_back(TrackJson(t));
      for (const mp4::Pssh& p : parsed.pssh) pssh.push_back(PsshJson(p));
      init = std::move(parsed);
    } else if (header.type == mp4::MakeFourCC("moof")) {
      if (!init) return Malformed("moof at byte " + std::to_string(offset) + " comes before any moov");
      mp4::Fragment fragment;
      WEE_RETURN_IF_ERROR(mp4::ParseFragment(data, offset, *init, &fragment));
      fragments.push_back(FragmentJson(fragment));
    }
    offset += header.size;
  }
  if (!init) return Malformed("no moov box: not an MP4 init segment");
  json out = {{"tracks", tracks}, {"pssh", pssh}, {"fragments", fragments}};
  return out.dump(2);
}

}  // namespace wee::cenc
