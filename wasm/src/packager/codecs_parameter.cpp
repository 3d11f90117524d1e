#include "packager/codecs_parameter.h"

#include <cstdio>

#include "base/byte_reader.h"
#include "packager/av1_parser.h"

namespace wee::packager {
namespace {

std::string HexByte(uint32_t v, const char* format) {
  char s[16];
  std::snprintf(s, sizeof(s), format, unsigned(v));
  return s;
}

// A descriptor of 14496-1 8.3.3: tag, a size of one to four 7-bit bytes, the body.
bool ReadDescriptor(ByteReader* r, uint8_t* tag, ByteSpan* body) {
  if (!r->ReadU8(tag)) return false;
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) {
    uint8_t b = 0;
    if (!r->ReadU8(&b)) return false;
    size = (size << 7) | (b & 0x7f);
    if (!(b & 0x80)) return r->ReadSpan(size, body);
  }
  return false;
}

// The first descriptor of `tag` among those left in *r.
bool FindDescriptor(ByteReader* r, uint8_t tag, ByteSpan* body) {
  uint8_t t = 0;
  while (ReadDescriptor(r, &t, body))
    if (t == tag) return true;
  return false;
}

}  // namespace

Result<std::string> AvcCodecs(mp4::FourCC entry, ByteSpan avcc) {
  if (avcc.size < 4 || avcc[0] != 1) return Malformed("avcC: not an AVCDecoderConfigurationRecord version 1");
  return mp4::FourCCString(entry) + "." + HexByte(avcc[1], "%02x") + HexByte(avcc[2], "%02x") +
         HexByte(avcc[3], "%02x");
}

Result<std::string> HevcCodecs(mp4::FourCC entry, ByteSpan hvcc) {
  if (hvcc.size < 13 || hvcc[0] != 1) return Malformed("hvcC: not an HEVCDecoderConfigurationRecord version 1");
  const uint8_t space = hvcc[1] >> 6;
  const bool high_tier = hvcc[1] & 0x20;
  const uint8_t profile_idc = hvcc[1] & 0x1f;
  uint32_t compatibility = LoadBE32(hvcc.data + 2);
  uint32_t reversed = 0;
  for (int i = 0; i < 32; ++i, compatibility >>= 1) reversed = (reversed << 1) | (compatibility & 1);
  std::string out = mp4::FourCCString(entry) + "." + (space ? std::string(1, char('A' + space - 1)) : "") +
                    std::to_string(profile_idc) + "." + HexByte(reversed, "%X") + "." +
                    (high_tier ? "H" : "L") + std::to_string(hvcc[12]);
  size_t constraint_bytes = 6;
  while (constraint_bytes > 0 && hvcc[6 + constraint_bytes - 1] == 0) --constraint_bytes;
  for (size_t i = 0; i < constraint_bytes; ++i) out += "." + HexByte(hvcc[6 + i], "%X");
  return out;
}

Result<std::string> Av1Codecs(ByteSpan av1c, ByteSpan colr) {
  if (av1c.size < 4 || av1c[0] != 0x81) return Malformed("av1C: not an AV1CodecConfigurationRecord version 1");
  const unsigned profile = av1c[1] >> 5;
  const unsigned level = av1c[1] & 0x1f;
  const bool high_tier = av1c[2] & 0x80;
  const unsigned bit_depth = !(av1c[2] & 0x40) ? 8 : (av1c[2] & 0x20) ? 12 : 10;  // high_bitdepth, twelve_bit
  char s[64];
  std::snprintf(s, sizeof(s), "av01.%u.%02u%c.%02u", profile, level, high_tier ? 'H' : 'M', bit_depth);
  // mono_chrome, chroma_subsampling_x/_y, chroma_sample_position: the low 5 bits of byte 2.
  const unsigned mono = (av1c[2] >> 4) & 1;
  const unsigned chroma = ((av1c[2] >> 3) & 1) * 100 + ((av1c[2] >> 2) & 1) * 10 + (av1c[2] & 3);
  unsigned primaries = 1, transfer = 1, matrix = 1, full_range = 0;
  if (colr.size >= 11 && ByteSpan(colr.data, 4).ToString() == "nclx") {
    primaries = unsigned(colr[4] << 8 | colr[5]);
    transfer = unsigned(colr[6] << 8 | colr[7]);
    matrix = unsigned(colr[8] << 8 | colr[9]);
    full_range = colr[10] >> 7;
  } else {
    Av1Parser parser;
    if (Status st = parser.AddConfigurationRecord(av1c); !st.ok()) return st;
    if (const Av1Parser::SequenceHeader* seq = parser.sequence_header()) {
      full_range = seq->color_range;
      if (seq->color_description_present) {
        primaries = seq->color_primaries;
        transfer = seq->transfer_characteristics;
        matrix = seq->matrix_coefficients;
      }
    }
  }
  char rest[48];
  std::snprintf(rest, sizeof(rest), ".%u.%03u.%02u.%02u.%02u.%u", mono, chroma, primaries, transfer,
                matrix, full_range);
  if (std::string(rest) == ".0.110.01.01.01.0") return std::string(s);
  return std::string(s) + rest;
}

Result<std::string> Mp4aCodecs(ByteSpan esds, uint32_t* channels) {
  ByteReader r(esds);
  ByteSpan es, config, specific;
  if (!r.Skip(4) || !FindDescriptor(&r, 0x03, &es)) return Malformed("esds: no ES_Descriptor");
  // ES_Descriptor: ES_ID, flags, then the optional fields the flags announce.
  ByteReader e(es);
  uint8_t flags = 0, url_length = 0;
  if (!e.Skip(2) || !e.ReadU8(&flags) || ((flags & 0x80) && !e.Skip(2)) ||
      ((flags & 0x40) && (!e.ReadU8(&url_length) || !e.Skip(url_length))) ||
      ((flags & 0x20) && !e.Skip(2)) || !FindDescriptor(&e, 0x04, &config) || config.size < 13) {
    return Malformed("esds: no complete DecoderConfigDescriptor");
  }
  const uint8_t object_type = config[0];
  if (object_type != 0x40) return "mp4a." + HexByte(object_type, "%02X");
  ByteReader c(config.sub(13, config.size - 13));
  if (!FindDescriptor(&c, 0x05, &specific) || specific.empty())
    return Malformed("esds: MPEG-4 audio without an AudioSpecificConfig");
  // AudioSpecificConfig (14496-3 1.6.2.1): audioObjectType, 5 bits (31 escapes to 32 + 6 more
  // bits); samplingFrequencyIndex, 4 bits (15: 24 more bits of frequency); channelConfiguration.
  uint64_t bits = 0;
  for (size_t i = 0; i < 8; ++i) bits = (bits << 8) | (i < specific.size ? specific[i] : 0);
  size_t used = 0;
  auto take = [&](size_t n) {
    const uint32_t v = uint32_t((bits << used) >> (64 - n));
    used += n;
    return v;
  };
  uint32_t aot = take(5);
  if (aot == 31) aot = 32 + take(6);
  if (take(4) == 15) take(24);
  const uint32_t channel_configuration = take(4);
  if ((used + 7) / 8 > specific.size) return Malformed("esds: AudioSpecificConfig too short");
  if (channel_configuration >= 1 && channel_configuration <= 7)
    *channels = channel_configuration == 7 ? 8 : channel_configuration;
  return "mp4a.40." + std::to_string(aot);
}

}  // namespace wee::packager
