// The init segment rewrite: every audio and video sample entry becomes encv/enca with a
// sinf(frma, schm, schi(tenc)) (ISO/IEC 14496-12 8.12, 23001-7 8.2), and the moov gets the
// 'pssh' boxes naming the KIDs (23001-7 8.1).
#include <algorithm>

#include "base/byte_reader.h"
#include "mp4/parser.h"
#include "packager/encryptor_internal.h"

namespace wee::packager {
namespace {

using namespace internal;

struct CodecEntry {
  FourCC fourcc;
  Codec codec;
  FourCC config;  // the configuration box the codec needs
};
constexpr CodecEntry kCodecs[] = {
    {MakeFourCC("avc1"), Codec::kH264, MakeFourCC("avcC")},
    {MakeFourCC("avc3"), Codec::kH264, MakeFourCC("avcC")},
    {MakeFourCC("hvc1"), Codec::kH265, MakeFourCC("hvcC")},
    {MakeFourCC("hev1"), Codec::kH265, MakeFourCC("hvcC")},
    {MakeFourCC("av01"), Codec::kAv1, MakeFourCC("av1C")},
    {MakeFourCC("mp4a"), Codec::kAudio, MakeFourCC("esds")},
};
const char kSupportedCodecs[] = "avc1, avc3, hvc1, hev1, av01 (H.264, H.265, AV1) and mp4a (AAC)";

bool IsProtectedEntry(FourCC type) {
  static constexpr FourCC kProtected[] = {MakeFourCC("encv"), MakeFourCC("enca"),
                                          MakeFourCC("enct"), MakeFourCC("encs")};
  return std::find(std::begin(kProtected), std::end(kProtected), type) != std::end(kProtected);
}

}  // namespace

// Shared with the track splitter.
namespace internal {

Result<size_t> SampleEntryFieldsSize(TrackKind kind, ByteSpan payload, const std::string& where) {
  if (kind == TrackKind::kVideo) {
    if (payload.size < 78) return Malformed(where + ": box too short for VisualSampleEntry");
    return size_t(78);
  }
  if (payload.size < 28) return Malformed(where + ": box too short for AudioSampleEntry");
  const uint16_t version = uint16_t((payload[8] << 8) | payload[9]);
  size_t size = version == 0 ? 28 : version == 1 ? 44 : version == 2 ? 64 : 0;
  if (size == 0) return Unsupported(where + ": sound sample entry version " + std::to_string(version));
  if (payload.size < size) return Malformed(where + ": box too short for its version " + std::to_string(version) + " fields");
  return size;
}

}  // namespace internal

namespace {

// Reads what the packager needs of a 'trak': IDs, timescale, kind, trex defaults, sample entries.
Status ReadTrack(Box* trak, const Box& mvex, const std::string& where,
                 Encryptor::TrackInfo* info, uint32_t trex[3], Box** stsd_out) {
  // tkhd: track_ID (14496-12 8.3.2); mdhd: timescale (8.4.2); hdlr: handler_type (8.4.3).
  const Box* tkhd = trak->Child(MakeFourCC("tkhd"));
  if (!tkhd || tkhd->payload.empty()) return Malformed(where + ": no 'tkhd'");
  const size_t id_at = tkhd->payload[0] == 1 ? 20 : 12;
  if (tkhd->payload.size() < id_at + 4) return Malformed(where + "/tkhd: box too short for track_ID");
  info->track_id = LoadBE32(tkhd->payload.data() + id_at);
  Box* mdia = trak->Child(MakeFourCC("mdia"));
  if (!mdia) return Malformed(where + ": no 'mdia'");
  const Box* mdhd = mdia->Child(MakeFourCC("mdhd"));
  const size_t ts_at = mdhd && !mdhd->payload.empty() && mdhd->payload[0] == 1 ? 20 : 12;
  if (!mdhd || mdhd->payload.size() < ts_at + 4) return Malformed(where + "/mdia: no complete 'mdhd'");
  info->timescale = LoadBE32(mdhd->payload.data() + ts_at);
  const Box* hdlr = mdia->Child(MakeFourCC("hdlr"));
  if (!hdlr || hdlr->payload.size() < 12) return Malformed(where + "/mdia: no complete 'hdlr'");
  const FourCC handler = LoadBE32(hdlr->payload.data() + 8);
  info->kind = handler == MakeFourCC("vide")   ? TrackKind::kVideo
               : handler == MakeFourCC("soun") ? TrackKind::kAudio
                                               : TrackKind::kOther;
  Box* minf = mdia->Child(MakeFourCC("minf"));
  Box* stbl = minf ? minf->Child(MakeFourCC("stbl")) : nullptr;
  Box* stsd = stbl ? stbl->Child(MakeFourCC("stsd")) : nullptr;
  if (!stsd) return Malformed(where + ": no 'mdia/minf/stbl/stsd'");

  // Samples in the moov would stay clear: refuse them like a non-fragmented file.
  const Box* stsz = stbl->Child(MakeFourCC("stsz"));
  if (stsz && stsz->payload.size() >= 12 && LoadBE32(stsz->payload.data() + 8) != 0) {
    return InvalidArgument("the input is not a fragmented MP4 (track " +
                           std::to_string(info->track_id) + " has " +
                           std::to_string(LoadBE32(stsz->payload.data() + 8)) +
                           " samples in 'moov'): " + kFragmentHint);
  }
  // trex: default sample duration, size and flags (8.8.3).
  for (const Box* t : mvex.Children(MakeFourCC("trex"))) {
    if (t->payload.size() < 24 || LoadBE32(t->payload.data() + 4) != info->track_id) continue;
    for (int i = 0; i < 3; ++i) trex[i] = LoadBE32(t->payload.data() + 12 + 4 * i);
  }
  *stsd_out = stsd;
  return Status::Ok();
}

// The scheme's parameters for a track (23001-7 10): video gets the 1:9 pattern in cens and
// cbcs; audio is protected whole-sample (cbcs 0:0 encrypts every whole block, 10.4.1).
void SchemeParameters(const EncryptOptions& options, TrackKind kind, Encryptor::TrackInfo* info) {
  const bool video = kind == TrackKind::kVideo;
  switch (options.scheme) {
    case cenc::Scheme::kCenc:
      info->per_sample_iv_size = 8;
      break;
    case cenc::Scheme::kCens:
      info->per_sample_iv_size = 8;
      info->pattern = video ? mp4::Pattern{1, 9} : mp4::Pattern{1, 0};
      break;
    case cenc::Scheme::kCbc1:
      info->per_sample_iv_size = 16;
      break;
    case cenc::Scheme::kCbcs:
      info->per_sample_iv_size = options.cbcs_per_sample_iv ? 16 : 0;
      info->pattern = video ? mp4::Pattern{1, 9} : mp4::Pattern{0, 0};
      break;
  }
}

}  // namespace

// avc1 -> encv with sinf(frma, schm, schi(tenc)) after its other child boxes (8.12). The first
// entry also sets the track's codec and, for H.264 and H.265, its NAL unit length size.
Status Encryptor::ProtectSampleEntry(Box* entry, const mp4::EncryptionParams& params,
                                     bool first, const std::string& where, TrackState* t) {
  const CodecEntry* codec = nullptr;
  for (const CodecEntry& c : kCodecs)
    if (c.fourcc == entry->type) codec = &c;
  if (!codec || (codec->codec == Codec::kAudio) != (t->info.kind == TrackKind::kAudio)) {
    return Unsupported("track " + std::to_string(t->info.track_id) + ": codec '" +
                       mp4::FourCCString(entry->type) + "' is not supported (supported: " +
                       kSupportedCodecs + ")");
  }
  auto fields = SampleEntryFieldsSize(t->info.kind, entry->payload, where);
  if (!fields.ok()) return fields.status();
  std::vector<Box> children;
  WEE_RETURN_IF_ERROR(ParseBoxes(ByteSpan(entry->payload).sub(*fields, entry->payload.size() - *fields),
                                 where, &children));
  const Box* config = nullptr;
  for (const Box& c : children)
    if (c.type == codec->config) config = &c;
  if (!config) return Malformed(where + ": no '" + mp4::FourCCString(codec->config) + "'");
  if (!first) {
    if (codec->codec != t->codec) return Unsupported(where + ": sample entries of different codecs");
  } else {
    t->codec = codec->codec;
    if (codec->codec == Codec::kH264) {
      // AVCDecoderConfigurationRecord (14496-15 5.3.3.1): lengthSizeMinusOne in byte 4.
      if (config->payload.size() < 5 || config->payload[0] != 1)
        return Malformed(where + "/avcC: not an AVCDecoderConfigurationRecord version 1");
      t->nal_length_size = uint8_t((config->payload[4] & 3) + 1);
      WEE_RETURN_IF_ERROR(t->h264.AddConfigurationRecord(config->payload).Within(where));
    } else if (codec->codec == Codec::kH265) {
      // HEVCDecoderConfigurationRecord (14496-15 8.3.3.1): lengthSizeMinusOne in byte 21.
      if (config->payload.size() < 23 || config->payload[0] != 1)
        return Malformed(where + "/hvcC: not an HEVCDecoderConfigurationRecord version 1");
      t->nal_length_size = uint8_t((config->payload[21] & 3) + 1);
      WEE_RETURN_IF_ERROR(t->h265.AddConfigurationRecord(config->payload).Within(where));
    } else if (codec->codec == Codec::kAv1) {
      WEE_RETURN_IF_ERROR(t->av1.AddConfigurationRecord(config->payload).Within(where));
    }
    if (t->nal_length_size == 3)
      return Malformed(where + ": NAL unit length size 3 is not allowed");
  }
  Box schi = Box::Container(MakeFourCC("schi"), {MakeTenc(params, HasPattern(options_.scheme))});
  children.push_back(Box::Container(MakeFourCC("sinf"), {MakeFrma(entry->type),
                                                         MakeSchm(SchemeFourCC(options_.scheme)),
                                                         std::move(schi)}));
  Bytes payload(entry->payload.begin(), entry->payload.begin() + *fields);
  for (const Box& c : children) {
    Bytes b = WriteBox(c);
    payload.insert(payload.end(), b.begin(), b.end());
  }
  entry->type = t->info.kind == TrackKind::kVideo ? MakeFourCC("encv") : MakeFourCC("enca");
  entry->payload = std::move(payload);
  return Status::Ok();
}

Status Encryptor::RewriteMoov(ByteSpan piece, uint64_t offset, std::vector<TrackState>* tracks,
                              Bytes* out) {
  if (options_.iv_seed.size() < 8) return InvalidArgument("the IV seed must be at least 8 bytes");
  Box moov;
  WEE_RETURN_IF_ERROR(ParseBox(piece, offset, "", &moov));
  const Box* mvex = moov.Child(MakeFourCC("mvex"));
  if (!mvex) {
    return InvalidArgument("the input is not a fragmented MP4 (no 'mvex' in 'moov'): " +
                           std::string(kFragmentHint));
  }

  std::vector<TrackState> result;
  std::vector<mp4::Kid> init_kids;
  size_t trak_index = 0;
  for (Box& trak : moov.children) {
    if (trak.type != MakeFourCC("trak")) continue;
    const std::string where = "moov/trak[" + std::to_string(++trak_index) + "]";
    TrackState t;
    Box* stsd = nullptr;
    uint32_t trex[3] = {0, 0, 0};
    WEE_RETURN_IF_ERROR(ReadTrack(&trak, *mvex, where, &t.info, trex, &stsd));
    t.trex_sample_duration = trex[0];
    t.trex_sample_size = trex[1];
    t.trex_sample_flags = trex[2];

    // stsd: version/flags, entry_count, then the sample entries (8.5.2).
    const std::string stsd_where = where + "/mdia/minf/stbl/stsd";
    if (stsd->payload.size() < 8) return Malformed(stsd_where + ": box too short for entry_count");
    std::vector<Box> entries;
    WEE_RETURN_IF_ERROR(ParseBoxes(ByteSpan(stsd->payload).sub(8, stsd->payload.size() - 8),
                                   stsd_where, &entries));
    if (entries.empty()) return Malformed(stsd_where + ": no sample entry");
    if (entries.size() != LoadBE32(stsd->payload.data() + 4))
      return Malformed(stsd_where + ": entry_count does not match its entries");
    t.info.codec = mp4::FourCCString(entries[0].type);
    for (const Box& entry : entries) {
      if (IsProtectedEntry(entry.type)) {
        return InvalidArgument("the input is already encrypted (track " +
                               std::to_string(t.info.track_id) + " has '" +
                               mp4::FourCCString(entry.type) + "')");
      }
    }
    // Tracks other than audio and video (text, metadata) stay clear.
    t.info.encrypted = t.info.kind != TrackKind::kOther;
    if (!t.info.encrypted) {
      result.push_back(std::move(t));
      continue;
    }

    // Keys: the track's kind, else the catch-all list.
    auto list = key_lists_.find(TrackKindName(t.info.kind));
    if (list == key_lists_.end()) list = key_lists_.find("");
    if (list == key_lists_.end() || list->second.empty()) {
      return InvalidArgument("no key for track " + std::to_string(t.info.track_id) + " (" +
                             TrackKindName(t.info.kind) + ")");
    }
    t.keys = list->second;
    if (t.keys.size() > 1 && options_.rotation_period == 0) {
      return InvalidArgument(std::to_string(t.keys.size()) + " keys for the " +
                             TrackKindName(t.info.kind) + " track need key rotation");
    }
    for (size_t k : t.keys) t.info.kids.push_back(keys_[k]->kid);
    SchemeParameters(options_, t.info.kind, &t.info);

    mp4::EncryptionParams params;
    params.is_protected = true;
    params.per_sample_iv_size = t.info.per_sample_iv_size;
    params.kid = t.info.kids[0];
    params.pattern = t.info.pattern;
    if (params.per_sample_iv_size == 0) {
      params.constant_iv = Derive("wasm-eme constant iv", options_.iv_seed, t.info.track_id,
                                  params.kid, 16);
    }
    Bytes stsd_payload(stsd->payload.begin(), stsd->payload.begin() + 8);
    for (size_t i = 0; i < entries.size(); ++i) {
      const std::string entry_where = stsd_where + "/" + mp4::FourCCString(entries[i].type);
      WEE_RETURN_IF_ERROR(ProtectSampleEntry(&entries[i], params, i == 0, entry_where, &t));
      Bytes b = WriteBox(entries[i]);
      stsd_payload.insert(stsd_payload.end(), b.begin(), b.end());
    }
    stsd->payload = std::move(stsd_payload);
    if (std::find(init_kids.begin(), init_kids.end(), params.kid) == init_kids.end())
      init_kids.push_back(params.kid);
    result.push_back(std::move(t));
  }
  if (result.empty()) return Malformed("moov: no 'trak'");
  if (init_kids.empty()) return InvalidArgument("the input has no audio or video track to encrypt");

  // 'pssh' boxes (23001-7 8.1): the Common SystemID one lists the KIDs, which is all the W3C
  // "cenc" init data a Clear Key license request needs.
  moov.children.push_back(MakePssh(kCommonSystemId, init_kids));
  if (options_.clear_key_pssh) moov.children.push_back(MakePssh(kClearKeySystemId, init_kids));
  *out = WriteBox(moov);
  *tracks = std::move(result);
  return Status::Ok();
}

}  // namespace wee::packager
