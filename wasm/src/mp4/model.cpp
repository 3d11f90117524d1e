#include "mp4/model.h"

#include "base/encoding.h"

namespace wee::mp4 {

std::string FourCCString(FourCC fourcc) {
  std::string s(4, ' ');
  for (int i = 0; i < 4; ++i) {
    char c = char(fourcc >> (24 - 8 * i));
    // Non-printable codes (corrupt input) are shown in hex so messages stay readable.
    if (c < 0x20 || c > 0x7e) {
      const uint8_t bytes[4] = {uint8_t(fourcc >> 24), uint8_t(fourcc >> 16), uint8_t(fourcc >> 8),
                                uint8_t(fourcc)};
      return "0x" + HexEncode(ByteSpan(bytes, 4));
    }
    s[i] = c;
  }
  return s;
}

const Track* InitSegment::FindTrack(uint32_t track_id) const {
  for (const Track& t : tracks)
    if (t.track_id == track_id) return &t;
  return nullptr;
}

}  // namespace wee::mp4
