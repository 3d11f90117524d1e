// Exports of wasm/src/packager/track_splitter.h: a split input per handle, its init and media
// segments handed out one at a time (js/src/core/packager.js, splitTracks).
#include <map>

#include "abi.h"
#include "base/json.h"
#include "packager/track_splitter.h"

using namespace wee;

namespace {

struct Split {
  Bytes input;
  std::vector<packager::TrackStream> tracks;
};

std::map<int, Split> g_splits;
int g_next_split = 1;

Status Find(int handle, size_t track, Split** out) {
  auto it = g_splits.find(handle);
  if (it == g_splits.end()) return Status(Code::kInvalidState, "no split with handle " + std::to_string(handle));
  if (track >= it->second.tracks.size()) return InvalidArgument("no track " + std::to_string(track));
  *out = &it->second;
  return Status::Ok();
}

}  // namespace

// Result: JSON {handle, tracks: [{trackId, kind, codec, codecs, timescale, width, height,
// sampleRate, channels, segments (count)}]}.
WEE_EXPORT int wee_splitter_create(const uint8_t* data, size_t size) {
  Split split;
  split.input.assign(data, data + size);
  Status s = packager::SplitTracks(split.input, &split.tracks);
  if (!s.ok()) return abi::Return(s);
  Json tracks = Json::array();
  for (const auto& t : split.tracks) {
    tracks.push_back({{"trackId", t.track_id},
                      {"kind", packager::TrackKindName(t.kind)},
                      {"codec", t.codec},
                      {"codecs", t.codecs},
                      {"timescale", t.timescale},
                      {"width", t.width},
                      {"height", t.height},
                      {"sampleRate", t.sample_rate},
                      {"channels", t.channels},
                      {"segments", t.segments.size()}});
  }
  const int handle = g_next_split++;
  g_splits[handle] = std::move(split);
  return abi::ReturnText(Json{{"handle", handle}, {"tracks", tracks}}.dump());
}

WEE_EXPORT int wee_splitter_destroy(int handle) {
  g_splits.erase(handle);
  return abi::Return(Status::Ok());
}

// Result: the init segment of track `track` (an index into the tracks of create).
WEE_EXPORT int wee_splitter_init(int handle, int track) {
  Split* split = nullptr;
  Status s = Find(handle, size_t(track), &split);
  if (!s.ok()) return abi::Return(s);
  return abi::ReturnBytes(split->tracks[size_t(track)].init);
}

// Result: media segment `segment` (0-based) of track `track`.
WEE_EXPORT int wee_splitter_segment(int handle, int track, int segment) {
  Split* split = nullptr;
  Status s = Find(handle, size_t(track), &split);
  if (!s.ok()) return abi::Return(s);
  const auto& segments = split->tracks[size_t(track)].segments;
  if (segment < 0 || size_t(segment) >= segments.size()) return abi::Return(InvalidArgument("no segment " + std::to_string(segment)));
  return abi::ReturnBytes(packager::WriteSegment(split->input, segments[size_t(segment)]));
}
