#include "packager/encryptor.h"

#include <algorithm>
#include <cstring>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "mp4/parser.h"
#include "packager/box_tree.h"
#include "packager/boxes.h"
#include "packager/subsamples.h"

namespace wee::packager {

const mp4::Kid kCommonSystemId = {0x10, 0x77, 0xef, 0xec, 0xc0, 0xb2, 0x4d, 0x02,
                                  0xac, 0xe3, 0x3c, 0x1e, 0x52, 0xe2, 0xfb, 0x4b};
const mp4::Kid kClearKeySystemId = {0xe2, 0x71, 0x9d, 0x58, 0xa9, 0x85, 0xb3, 0xc9,
                                    0x78, 0x1a, 0xb0, 0x30, 0xaf, 0x78, 0xd3, 0x0e};

namespace {

constexpr FourCC kMoov = MakeFourCC("moov");
constexpr FourCC kMoof = MakeFourCC("moof");
constexpr FourCC kMdat = MakeFourCC("mdat");
constexpr FourCC kSidx = MakeFourCC("sidx");
constexpr FourCC kMfra = MakeFourCC("mfra");
constexpr FourCC kTraf = MakeFourCC("traf");
constexpr FourCC kTrun = MakeFourCC("trun");

const char kFragmentHint[] =
    "fragment it first, e.g. ffmpeg -i in.mp4 -c copy -movflags "
    "+frag_keyframe+empty_moov+default_base_moof out.mp4";

std::string Hex(const mp4::Kid& kid) { return HexEncode(ByteSpan(kid.data(), kid.size())); }

std::string At(const char* box, uint64_t offset) {
  return std::string(box) + " at " + std::to_string(offset);
}

// Sample entry fourccs by what the packager does with them.
enum class Codec { kH264, kH265, kAudio, kNone };

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
    {MakeFourCC("mp4a"), Codec::kAudio, MakeFourCC("esds")},
};
const char kSupportedCodecs[] = "avc1, avc3, hvc1, hev1 (H.264, H.265) and mp4a (AAC)";

bool IsProtectedEntry(FourCC type) {
  static constexpr FourCC kProtected[] = {MakeFourCC("encv"), MakeFourCC("enca"),
                                          MakeFourCC("enct"), MakeFourCC("encs")};
  return std::find(std::begin(kProtected), std::end(kProtected), type) != std::end(kProtected);
}

FourCC SchemeFourCC(cenc::Scheme scheme) {
  switch (scheme) {
    case cenc::Scheme::kCenc: return MakeFourCC("cenc");
    case cenc::Scheme::kCbcs: return MakeFourCC("cbcs");
    case cenc::Scheme::kCens: return MakeFourCC("cens");
    case cenc::Scheme::kCbc1: return MakeFourCC("cbc1");
  }
  return MakeFourCC("cenc");
}

bool HasPattern(cenc::Scheme scheme) {
  return scheme == cenc::Scheme::kCbcs || scheme == cenc::Scheme::kCens;
}

// Fixed fields before the child boxes of a sample entry (14496-12 12.1.3, 12.2.3; QuickTime
// sound sample description versions 1 and 2 add 16 and 36 bytes).
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

// Big-endian addition of n to an IV of any length (wrapping).
Bytes AddToIv(Bytes iv, uint64_t n) {
  for (size_t i = iv.size(); i-- > 0 && n;) {
    const uint64_t sum = uint64_t(iv[i]) + (n & 0xff);
    iv[i] = uint8_t(sum);
    n = (n >> 8) + (sum >> 8);
  }
  return iv;
}

Bytes Derive(const char* label, ByteSpan seed, uint32_t track_id, const mp4::Kid& kid,
             size_t size, const uint64_t* counter = nullptr) {
  Bytes input(label, label + std::strlen(label));
  ByteWriter w(&input);
  w.U32(uint32_t(seed.size));
  w.Append(seed);
  w.U32(track_id);
  w.Append(ByteSpan(kid.data(), kid.size()));
  if (counter) w.U64(*counter);
  Bytes digest = Sha256(input);
  digest.resize(size);
  return digest;
}

}  // namespace

const char* TrackKindName(TrackKind kind) {
  switch (kind) {
    case TrackKind::kVideo: return "video";
    case TrackKind::kAudio: return "audio";
    case TrackKind::kOther: return "other";
  }
  return "other";
}

struct Encryptor::Key {
  mp4::Kid kid{};
  SecretBytes key;
  cenc::ContentKey content;
  explicit Key(cenc::ContentKey k) : content(std::move(k)) {}
};

struct Encryptor::TrackState {
  TrackInfo info;
  Codec codec = Codec::kNone;
  uint8_t nal_length_size = 0;
  uint32_t trex_sample_duration = 0;
  uint32_t trex_sample_size = 0;
  uint32_t trex_sample_flags = 0;
  std::vector<size_t> keys;  // indices into keys_, in rotation order
  uint64_t samples_done = 0;
  uint64_t fragments_done = 0;
  uint64_t next_decode_time = 0;
};

// What one Process() call will write, built before anything is committed.
struct Encryptor::Plan {
  struct SampleJob {
    uint64_t in_offset = 0;
    uint32_t size = 0;
    size_t key = 0;
    mp4::Sample sample;  // iv, pattern, subsamples
  };
  struct TrunSlot {
    size_t traf_child = 0;  // index of the traf among the moof's children
    size_t trun_child = 0;  // index of the trun among the traf's children
    Trun trun;
    bool has_samples = false;
    uint64_t first_in_offset = 0;
  };
  struct Moof {
    Box box;
    std::vector<TrunSlot> truns;
  };
  std::vector<Moof> moofs;
  std::vector<SampleJob> jobs;
  std::vector<FragmentInfo> fragments;
  std::vector<size_t> fragment_moof;  // index into moofs of each fragment
};

Encryptor::Encryptor(EncryptOptions options) : options_(std::move(options)) {}
Encryptor::~Encryptor() = default;

Status Encryptor::AddKey(const std::string& kind, ByteSpan kid, ByteSpan key) {
  if (have_init_) return Status(Code::kInvalidState, "keys must be added before the init segment");
  if (kind != "" && kind != "video" && kind != "audio")
    return InvalidArgument("key kind '" + kind + "' is not video, audio or empty");
  if (kid.size != 16) return InvalidArgument("KID is " + std::to_string(kid.size) + " bytes, expected 16");
  mp4::Kid k{};
  std::copy(kid.begin(), kid.end(), k.begin());
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i]->kid != k) continue;
    if (!ConstantTimeEquals(keys_[i]->key.span(), key))
      return InvalidArgument("KID " + Hex(k) + " is given twice with different keys");
    key_lists_[kind].push_back(i);
    return Status::Ok();
  }
  auto content = cenc::ContentKey::Create(key);
  if (!content.ok()) return content.status();
  auto entry = std::make_unique<Key>(std::move(content).value());
  entry->kid = k;
  entry->key = SecretBytes(key);
  keys_.push_back(std::move(entry));
  key_lists_[kind].push_back(keys_.size() - 1);
  return Status::Ok();
}

Status Encryptor::Process(ByteSpan piece, Bytes* out) {
  // Work on copies of the per-track state; committed only on success.
  std::vector<TrackState> tracks = tracks_;
  bool have_init = have_init_;

  // 1. The top-level boxes.
  struct Entry {
    mp4::BoxHeader header;
    bool inserted = false;   // a new box (header unused)
    bool rewritten = false;  // bytes holds the new box; else the input bytes are copied
    Bytes bytes;
    size_t moof = SIZE_MAX;  // index into plan.moofs
    uint64_t out_offset = 0;
    uint64_t out_size = 0;
  };
  std::vector<Entry> entries;
  for (uint64_t pos = 0; pos < piece.size;) {
    Entry e;
    Status s = mp4::ReadBoxHeader(piece, pos, /*at_end=*/true, &e.header);
    if (s.code() == Code::kNeedMoreData) return Malformed("the input is truncated: " + s.message());
    WEE_RETURN_IF_ERROR(s);
    pos += e.header.size;
    entries.push_back(std::move(e));
  }

  // 2. Rewrite moov, plan the moofs (subsamples, IVs, new boxes with provisional offsets).
  Plan plan;
  size_t moov_entry = SIZE_MAX;
  bool has_sidx = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    const uint64_t offset = e.header.offset;
    has_sidx = has_sidx || e.header.type == kSidx;
    if (e.header.type == kMoov) {
      moov_entry = i;
      if (have_init) return Malformed(At("moov", offset) + ": a second 'moov'");
      WEE_RETURN_IF_ERROR(RewriteMoov(piece, offset, &tracks, &e.bytes));
      e.rewritten = true;
      have_init = true;
    } else if (e.header.type == kMoof) {
      if (!have_init) {
        return Malformed(At("moof", offset) +
                         ": comes before any 'moov' (the init segment must come first)");
      }
      WEE_RETURN_IF_ERROR(PlanMoof(piece, offset, &tracks, &plan));
      e.moof = plan.moofs.size() - 1;
      e.rewritten = true;
    }
  }

  // 3. Every sample must lie inside an mdat of this piece, and no two samples may overlap
  // (hostile input could otherwise make a byte be encrypted twice).
  std::vector<std::pair<uint64_t, uint64_t>> mdats;  // payload ranges, in input order
  for (const Entry& e : entries) {
    if (e.header.type == kMdat)
      mdats.emplace_back(e.header.offset + e.header.header_size, e.header.offset + e.header.size);
  }
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  ranges.reserve(plan.jobs.size());
  for (const Plan::SampleJob& job : plan.jobs) {
    const uint64_t end = job.in_offset + job.size;
    auto after = std::upper_bound(mdats.begin(), mdats.end(),
                                  std::make_pair(job.in_offset, UINT64_MAX));
    const bool inside = after != mdats.begin() && job.in_offset >= std::prev(after)->first &&
                        end <= std::prev(after)->second;
    if (!inside) {
      return Malformed("sample data at " + std::to_string(job.in_offset) + ".." +
                       std::to_string(end) + " is not inside an 'mdat' of this input");
    }
    if (job.size) ranges.emplace_back(job.in_offset, end);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) {
      return Malformed("samples at " + std::to_string(ranges[i - 1].first) + " and " +
                       std::to_string(ranges[i].first) + " overlap");
    }
  }

  // A whole file without an index gets one (EncryptOptions::write_sidx), after the moov.
  size_t sidx_entry = SIZE_MAX;
  const TrackState* sidx_track = nullptr;
  if (options_.write_sidx && moov_entry != SIZE_MAX && !has_sidx && !plan.moofs.empty()) {
    for (const TrackState& t : tracks)
      if (!sidx_track || (t.info.kind == TrackKind::kVideo && sidx_track->info.kind != TrackKind::kVideo))
        sidx_track = &t;
    Entry e;
    e.inserted = e.rewritten = true;
    Sidx sidx;
    sidx.references.resize(plan.moofs.size());
    Box box;
    WEE_RETURN_IF_ERROR(sidx.Write(&box));
    e.bytes = WriteBox(box);  // placeholder of the final size
    sidx_entry = moov_entry + 1;
    entries.insert(entries.begin() + sidx_entry, std::move(e));
  }

  // 4. Layout: where every top-level box lands in the output.
  uint64_t out_pos = 0;
  std::vector<size_t> by_input;  // entries with an input position, in input order
  std::vector<size_t> moof_entries(plan.moofs.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    e.out_offset = out_pos;
    if (e.moof != SIZE_MAX) e.out_size = plan.moofs[e.moof].box.Size();
    else if (e.rewritten) e.out_size = e.bytes.size();
    else e.out_size = e.header.size;
    out_pos += e.out_size;
    if (!e.inserted) by_input.push_back(i);
    if (e.moof != SIZE_MAX) moof_entries[e.moof] = i;
  }
  const uint64_t out_total = out_pos;
  // Input position -> output position, for positions in copied boxes and at box starts.
  auto map = [&](uint64_t in, uint64_t* result) -> bool {
    if (in == piece.size) {
      *result = out_total;
      return true;
    }
    auto it = std::upper_bound(by_input.begin(), by_input.end(), in, [&](uint64_t v, size_t i) {
      return v < entries[i].header.offset;
    });
    if (it == by_input.begin()) return false;
    const Entry& e = entries[*std::prev(it)];
    if (in != e.header.offset && (e.rewritten || in >= e.header.offset + e.header.size))
      return false;
    *result = e.out_offset + (in - e.header.offset);
    return true;
  };

  // 5. Final values: trun data offsets (relative to the moof: default-base-is-moof), sidx
  // sizes, tfra offsets.
  for (Entry& e : entries) {
    if (e.moof != SIZE_MAX) {
      Plan::Moof& moof = plan.moofs[e.moof];
      for (Plan::TrunSlot& slot : moof.truns) {
        int64_t data_offset = 0;
        if (slot.has_samples) {
          uint64_t data_at = 0;
          if (!map(slot.first_in_offset, &data_at)) {
            return Malformed(At("moof", e.header.offset) + ": sample data at " +
                             std::to_string(slot.first_in_offset) + " is not in an 'mdat'");
          }
          data_offset = int64_t(data_at) - int64_t(e.out_offset);
          if (data_offset < INT32_MIN || data_offset > INT32_MAX) {
            return LimitExceeded(At("moof", e.header.offset) +
                                 ": sample data is too far from its 'moof' for trun data_offset");
          }
        }
        slot.trun.data_offset = int32_t(data_offset);
        moof.box.children[slot.traf_child].children[slot.trun_child] = slot.trun.Write();
      }
      if (moof.box.Size() != e.out_size) return Malformed("internal: moof size changed");
      e.bytes = WriteBox(moof.box);
    } else if (e.header.type == kSidx) {
      const std::string where = At("sidx", e.header.offset);
      Box box;
      WEE_RETURN_IF_ERROR(ParseBox(piece, e.header.offset, "", &box));
      Sidx sidx;
      WEE_RETURN_IF_ERROR(sidx.Parse(box.payload).Within(where));
      // 8.16.3: references start first_offset bytes after the sidx's end.
      const uint64_t anchor_in = e.header.offset + e.header.size;
      const uint64_t anchor_out = e.out_offset + e.header.size;
      uint64_t in = 0, out_begin = 0;
      if (!CheckedAdd(anchor_in, sidx.first_offset, &in) || !map(in, &out_begin)) {
        return Unsupported(where + ": first_offset does not lead to a box of this input");
      }
      sidx.first_offset = out_begin - anchor_out;
      for (size_t i = 0; i < sidx.references.size(); ++i) {
        uint64_t in_end = 0, out_end = 0;
        if (!CheckedAdd<uint64_t>(in, sidx.references[i].size, &in_end) || !map(in_end, &out_end)) {
          return Unsupported(where + ": reference " + std::to_string(i) +
                             " does not end at a box boundary of this input");
        }
        sidx.references[i].size = uint32_t(std::min<uint64_t>(out_end - out_begin, UINT32_MAX));
        if (out_end - out_begin > 0x7fffffff)
          return LimitExceeded(where + ": reference " + std::to_string(i) + " grew beyond 2^31 bytes");
        in = in_end;
        out_begin = out_end;
      }
      Box rewritten;
      WEE_RETURN_IF_ERROR(sidx.Write(&rewritten).Within(where));
      rewritten.type = box.type;
      e.bytes = WriteBox(rewritten);
      if (e.bytes.size() != e.header.size) {
        return Unsupported(where + ": cannot be rewritten at its size (64-bit box size)");
      }
      e.rewritten = true;
    } else if (e.header.type == kMfra) {
      const std::string where = At("mfra", e.header.offset);
      Box box;
      WEE_RETURN_IF_ERROR(ParseBox(piece, e.header.offset, "", &box));
      for (Box& child : box.children) {
        if (child.type != MakeFourCC("tfra")) continue;
        Tfra tfra;
        WEE_RETURN_IF_ERROR(tfra.Parse(child.payload).Within(where));
        for (Tfra::Entry& t : tfra.entries) {
          if (!map(t.moof_offset, &t.moof_offset)) {
            return Malformed(where + "/tfra: moof_offset " + std::to_string(t.moof_offset) +
                             " is not the start of a box");
          }
        }
        WEE_RETURN_IF_ERROR(tfra.Write(&child).Within(where));
      }
      e.bytes = WriteBox(box);
      if (e.bytes.size() != e.header.size) {
        return Unsupported(where + ": cannot be rewritten at its size (64-bit box size)");
      }
      e.rewritten = true;
    }
  }

  if (sidx_entry != SIZE_MAX) {
    // One reference per moof, up to the next moof (the last: to the end of its last mdat),
    // with the durations and SAPs of the reference track (14496-12 8.16.3).
    Sidx sidx;
    sidx.reference_id = sidx_track->info.track_id;
    sidx.timescale = sidx_track->info.timescale;
    sidx.references.resize(plan.moofs.size());
    bool first = true;
    for (size_t f = 0; f < plan.fragments.size(); ++f) {
      const FragmentInfo& fragment = plan.fragments[f];
      if (fragment.track_id != sidx.reference_id) continue;
      if (first) sidx.earliest_presentation_time = uint64_t(std::max<int64_t>(0, fragment.earliest_presentation_time));
      first = false;
      Sidx::Reference& ref = sidx.references[plan.fragment_moof[f]];
      ref.duration = uint32_t(std::min<uint64_t>(fragment.duration, UINT32_MAX));
      if (fragment.starts_with_sap) ref.sap = 0x90000000;  // starts_with_SAP 1, SAP_type 1
    }
    const Entry& index = entries[sidx_entry];
    sidx.first_offset = entries[moof_entries[0]].out_offset - (index.out_offset + index.out_size);
    for (size_t m = 0; m < moof_entries.size(); ++m) {
      const uint64_t begin = entries[moof_entries[m]].out_offset;
      uint64_t end = m + 1 < moof_entries.size() ? entries[moof_entries[m + 1]].out_offset : 0;
      if (end == 0) {
        for (size_t i = moof_entries[m]; i < entries.size(); ++i)
          if (i == moof_entries[m] || entries[i].header.type == kMdat)
            end = entries[i].out_offset + entries[i].out_size;
      }
      if (end - begin > 0x7fffffff) return LimitExceeded("a fragment is too large for a 'sidx'");
      sidx.references[m].size = uint32_t(end - begin);
    }
    Box box;
    WEE_RETURN_IF_ERROR(sidx.Write(&box));
    entries[sidx_entry].bytes = WriteBox(box);
  }

  // 6. Assemble, then encrypt the samples where they landed.
  Bytes result;
  result.reserve(size_t(out_total));
  for (const Entry& e : entries) {
    if (e.rewritten || e.inserted) result.insert(result.end(), e.bytes.begin(), e.bytes.end());
    else result.insert(result.end(), piece.data + e.header.offset,
                       piece.data + e.header.offset + e.header.size);
  }
  for (const Plan::SampleJob& job : plan.jobs) {
    uint64_t at = 0;
    if (!map(job.in_offset, &at)) return Malformed("internal: sample not mapped");
    WEE_RETURN_IF_ERROR(cenc::EncryptSample(options_.scheme, keys_[job.key]->content, job.sample,
                                            result.data() + at, job.size)
                            .Within("sample at " + std::to_string(job.in_offset)));
  }

  *out = std::move(result);
  tracks_ = std::move(tracks);
  have_init_ = have_init;
  tracks_info_.clear();
  for (const TrackState& t : tracks_) tracks_info_.push_back(t.info);
  last_fragments_ = std::move(plan.fragments);
  return Status::Ok();
}

Status Encryptor::RewriteMoov(ByteSpan piece, uint64_t offset, std::vector<TrackState>* tracks,
                              Bytes* out) {
  if (options_.iv_seed.size() < 8) return InvalidArgument("the IV seed must be at least 8 bytes");
  Box moov;
  WEE_RETURN_IF_ERROR(ParseBox(piece, offset, "", &moov));
  Box* mvex = moov.Child(MakeFourCC("mvex"));
  if (!mvex) {
    return InvalidArgument("the input is not a fragmented MP4 (no 'mvex' in 'moov'): " +
                           std::string(kFragmentHint));
  }

  std::vector<TrackState> result;
  std::vector<mp4::Kid> init_kids;
  size_t trak_index = 0;
  for (Box& trak : moov.children) {
    if (trak.type != MakeFourCC("trak")) continue;
    ++trak_index;
    const std::string where = "moov/trak[" + std::to_string(trak_index) + "]";
    TrackState t;
    // tkhd: track_ID (14496-12 8.3.2).
    const Box* tkhd = trak.Child(MakeFourCC("tkhd"));
    if (!tkhd || tkhd->payload.size() < 4) return Malformed(where + ": no 'tkhd'");
    const size_t id_at = tkhd->payload[0] == 1 ? 20 : 12;
    if (tkhd->payload.size() < id_at + 4) return Malformed(where + "/tkhd: box too short for track_ID");
    t.info.track_id = LoadBE32(tkhd->payload.data() + id_at);
    Box* mdia = trak.Child(MakeFourCC("mdia"));
    if (!mdia) return Malformed(where + ": no 'mdia'");
    const Box* mdhd = mdia->Child(MakeFourCC("mdhd"));
    const size_t ts_at = mdhd && !mdhd->payload.empty() && mdhd->payload[0] == 1 ? 20 : 12;
    if (!mdhd || mdhd->payload.size() < ts_at + 4) return Malformed(where + "/mdia: no complete 'mdhd'");
    t.info.timescale = LoadBE32(mdhd->payload.data() + ts_at);
    const Box* hdlr = mdia->Child(MakeFourCC("hdlr"));
    if (!hdlr || hdlr->payload.size() < 12) return Malformed(where + "/mdia: no complete 'hdlr'");
    const FourCC handler = LoadBE32(hdlr->payload.data() + 8);
    t.info.kind = handler == MakeFourCC("vide") ? TrackKind::kVideo
                  : handler == MakeFourCC("soun") ? TrackKind::kAudio
                                                  : TrackKind::kOther;
    Box* minf = mdia->Child(MakeFourCC("minf"));
    Box* stbl = minf ? minf->Child(MakeFourCC("stbl")) : nullptr;
    Box* stsd = stbl ? stbl->Child(MakeFourCC("stsd")) : nullptr;
    if (!stsd) return Malformed(where + ": no 'mdia/minf/stbl/stsd'");
    const std::string stsd_where = where + "/mdia/minf/stbl/stsd";

    // Samples in the moov would stay clear: refuse them like a non-fragmented file.
    const Box* stsz = stbl->Child(MakeFourCC("stsz"));
    if (stsz && stsz->payload.size() >= 12 && LoadBE32(stsz->payload.data() + 8) != 0) {
      return InvalidArgument("the input is not a fragmented MP4 (track " +
                             std::to_string(t.info.track_id) + " has " +
                             std::to_string(LoadBE32(stsz->payload.data() + 8)) +
                             " samples in 'moov'): " + kFragmentHint);
    }

    // trex defaults for this track (8.8.3).
    for (const Box* trex : mvex->Children(MakeFourCC("trex"))) {
      if (trex->payload.size() < 24 || LoadBE32(trex->payload.data() + 4) != t.info.track_id)
        continue;
      t.trex_sample_duration = LoadBE32(trex->payload.data() + 12);
      t.trex_sample_size = LoadBE32(trex->payload.data() + 16);
      t.trex_sample_flags = LoadBE32(trex->payload.data() + 20);
    }

    // stsd: version/flags, entry_count, then the sample entries.
    if (stsd->payload.size() < 8) return Malformed(stsd_where + ": box too short for entry_count");
    std::vector<Box> entries;
    WEE_RETURN_IF_ERROR(ParseBoxes(ByteSpan(stsd->payload).sub(8, stsd->payload.size() - 8),
                                   stsd_where, &entries));
    if (entries.empty()) return Malformed(stsd_where + ": no sample entry");
    if (entries.size() != LoadBE32(stsd->payload.data() + 4))
      return Malformed(stsd_where + ": entry_count does not match its entries");
    t.info.codec = mp4::FourCCString(entries[0].type);

    for (Box& entry : entries) {
      if (IsProtectedEntry(entry.type)) {
        return InvalidArgument("the input is already encrypted (track " +
                               std::to_string(t.info.track_id) + " has '" +
                               mp4::FourCCString(entry.type) + "')");
      }
    }
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

    // Scheme parameters (23001-7 10): video gets the 1:9 pattern; audio is whole-sample.
    const bool video = t.info.kind == TrackKind::kVideo;
    switch (options_.scheme) {
      case cenc::Scheme::kCenc: t.info.per_sample_iv_size = 8; break;
      case cenc::Scheme::kCens:
        t.info.per_sample_iv_size = 8;
        t.info.pattern = video ? mp4::Pattern{1, 9} : mp4::Pattern{1, 0};
        break;
      case cenc::Scheme::kCbc1: t.info.per_sample_iv_size = 16; break;
      case cenc::Scheme::kCbcs:
        t.info.per_sample_iv_size = options_.cbcs_per_sample_iv ? 16 : 0;
        t.info.pattern = video ? mp4::Pattern{1, 9} : mp4::Pattern{0, 0};
        break;
    }

    // Rewrite every sample entry: avc1 -> encv + sinf(frma, schm, schi(tenc)) (8.12).
    mp4::EncryptionParams params;
    params.is_protected = true;
    params.per_sample_iv_size = t.info.per_sample_iv_size;
    params.kid = t.info.kids[0];
    params.pattern = t.info.pattern;
    if (params.per_sample_iv_size == 0) {
      params.constant_iv = Derive("wasm-eme constant iv", options_.iv_seed, t.info.track_id,
                                  params.kid, 16);
    }
    for (size_t i = 0; i < entries.size(); ++i) {
      Box& entry = entries[i];
      const std::string entry_where = stsd_where + "/" + mp4::FourCCString(entry.type);
      const CodecEntry* codec = nullptr;
      for (const CodecEntry& c : kCodecs)
        if (c.fourcc == entry.type) codec = &c;
      if (!codec || (codec->codec == Codec::kAudio) != (t.info.kind == TrackKind::kAudio)) {
        return Unsupported("track " + std::to_string(t.info.track_id) + ": codec '" +
                           mp4::FourCCString(entry.type) + "' is not supported (supported: " +
                           kSupportedCodecs + ")");
      }
      auto fields = SampleEntryFieldsSize(t.info.kind, entry.payload, entry_where);
      if (!fields.ok()) return fields.status();
      std::vector<Box> children;
      WEE_RETURN_IF_ERROR(ParseBoxes(ByteSpan(entry.payload).sub(*fields, entry.payload.size() - *fields),
                                     entry_where, &children));
      const Box* config = nullptr;
      for (const Box& c : children)
        if (c.type == codec->config) config = &c;
      if (!config) {
        return Malformed(entry_where + ": no '" + mp4::FourCCString(codec->config) + "'");
      }
      if (i == 0) {
        t.codec = codec->codec;
        if (codec->codec == Codec::kH264) {
          // AVCDecoderConfigurationRecord (14496-15 5.3.3.1): lengthSizeMinusOne in byte 4.
          if (config->payload.size() < 5 || config->payload[0] != 1)
            return Malformed(entry_where + "/avcC: not an AVCDecoderConfigurationRecord version 1");
          t.nal_length_size = uint8_t((config->payload[4] & 3) + 1);
        } else if (codec->codec == Codec::kH265) {
          // HEVCDecoderConfigurationRecord (14496-15 8.3.3.1): lengthSizeMinusOne in byte 21.
          if (config->payload.size() < 23 || config->payload[0] != 1)
            return Malformed(entry_where + "/hvcC: not an HEVCDecoderConfigurationRecord version 1");
          t.nal_length_size = uint8_t((config->payload[21] & 3) + 1);
        }
        if (t.codec != Codec::kAudio && t.nal_length_size == 3) {
          return Malformed(entry_where + ": NAL unit length size 3 is not allowed");
        }
      } else if (codec->codec != t.codec) {
        return Unsupported(stsd_where + ": sample entries of different codecs");
      }
      Box schi = Box::Container(MakeFourCC("schi"), {MakeTenc(params, HasPattern(options_.scheme))});
      children.push_back(Box::Container(
          MakeFourCC("sinf"), {MakeFrma(entry.type), MakeSchm(SchemeFourCC(options_.scheme)), std::move(schi)}));
      Bytes payload(entry.payload.begin(), entry.payload.begin() + *fields);
      for (const Box& c : children) {
        Bytes b = WriteBox(c);
        payload.insert(payload.end(), b.begin(), b.end());
      }
      entry.type = video ? MakeFourCC("encv") : MakeFourCC("enca");
      entry.payload = std::move(payload);
    }
    Bytes stsd_payload(stsd->payload.begin(), stsd->payload.begin() + 8);
    for (const Box& entry : entries) {
      Bytes b = WriteBox(entry);
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

Status Encryptor::PlanMoof(ByteSpan piece, uint64_t offset, std::vector<TrackState>* tracks,
                           Plan* plan) {
  const std::string where = At("moof", offset);
  Box moof;
  WEE_RETURN_IF_ERROR(ParseBox(piece, offset, "", &moof));
  Plan::Moof out;
  out.box = Box::Container(kMoof);
  uint32_t sequence_number = 0;
  if (const Box* mfhd = moof.Child(MakeFourCC("mfhd")); mfhd && mfhd->payload.size() >= 8)
    sequence_number = LoadBE32(mfhd->payload.data() + 4);

  std::vector<mp4::Kid> moof_kids;  // for the moof's pssh (key rotation)
  uint64_t moof_samples = 0;        // bounded by mp4::kMaxSamplesPerFragment
  // End of the previous traf's data: the base of a traf without base-data-offset and without
  // default-base-is-moof (14496-12 8.8.7.1).
  uint64_t previous_traf_end = offset;
  bool first_traf = true;
  size_t traf_number = 0;
  std::vector<Box> new_children;
  std::vector<Plan::TrunSlot> trun_slots;
  // (traf position in the moof, senc position in the traf); its saio is just before it.
  std::vector<std::pair<size_t, size_t>> aux_slots;

  for (Box& child : moof.children) {
    if (child.type != kTraf) {
      if (child.type == MakeFourCC("pssh")) {
        return InvalidArgument(where + ": the input is already encrypted (it has a 'pssh')");
      }
      new_children.push_back(std::move(child));
      continue;
    }
    ++traf_number;
    const std::string traf_where = where + "/traf[" + std::to_string(traf_number) + "]";
    const Box* tfhd_box = child.Child(MakeFourCC("tfhd"));
    if (!tfhd_box) return Malformed(traf_where + ": no 'tfhd'");
    Tfhd tfhd;
    WEE_RETURN_IF_ERROR(tfhd.Parse(tfhd_box->payload).Within(traf_where));
    TrackState* track = nullptr;
    for (TrackState& t : *tracks)
      if (t.info.track_id == tfhd.track_id) track = &t;
    if (!track) {
      return Malformed(traf_where + "/tfhd: track_ID " + std::to_string(tfhd.track_id) +
                       " is not a track of the 'moov'");
    }

    uint64_t base = offset;
    if (tfhd.flags & Tfhd::kBaseDataOffsetPresent) {
      base = tfhd.base_data_offset;
      if (base > piece.size) {
        return Malformed(traf_where + "/tfhd: base_data_offset " + std::to_string(base) +
                         " is beyond the end of the input (" + std::to_string(piece.size) +
                         " bytes)");
      }
    }
    else if (!(tfhd.flags & Tfhd::kDefaultBaseIsMoof) && !first_traf) base = previous_traf_end;
    first_traf = false;
    const uint32_t default_size = (tfhd.flags & Tfhd::kDefaultSampleSizePresent)
                                      ? tfhd.default_sample_size : track->trex_sample_size;
    const uint32_t default_duration = (tfhd.flags & Tfhd::kDefaultSampleDurationPresent)
                                          ? tfhd.default_sample_duration
                                          : track->trex_sample_duration;
    const uint32_t default_flags = (tfhd.flags & Tfhd::kDefaultSampleFlagsPresent)
                                       ? tfhd.default_sample_flags : track->trex_sample_flags;

    FragmentInfo fragment;
    fragment.track_id = track->info.track_id;
    fragment.sequence_number = sequence_number;
    fragment.encrypted = track->info.encrypted;
    fragment.base_media_decode_time = track->next_decode_time;
    if (const Box* tfdt_box = child.Child(MakeFourCC("tfdt"))) {
      Tfdt tfdt;
      WEE_RETURN_IF_ERROR(tfdt.Parse(tfdt_box->payload).Within(traf_where));
      fragment.base_media_decode_time = tfdt.base_media_decode_time;
    }

    // Key and encryption parameters of this fragment.
    size_t key = SIZE_MAX;
    mp4::EncryptionParams params;
    if (track->info.encrypted) {
      const uint64_t period =
          options_.rotation_period ? track->fragments_done / options_.rotation_period : 0;
      key = track->keys[size_t(period % track->keys.size())];
      params.is_protected = true;
      params.kid = keys_[key]->kid;
      params.per_sample_iv_size = track->info.per_sample_iv_size;
      params.pattern = track->info.pattern;
      if (params.per_sample_iv_size == 0) {
        params.constant_iv = Derive("wasm-eme constant iv", options_.iv_seed,
                                    track->info.track_id, params.kid, 16);
      }
      fragment.kid = params.kid;
      if (std::find(moof_kids.begin(), moof_kids.end(), params.kid) == moof_kids.end())
        moof_kids.push_back(params.kid);
    }
    const Bytes iv_base = track->info.encrypted && params.per_sample_iv_size == 8
                              ? Derive("wasm-eme iv", options_.iv_seed, track->info.track_id,
                                       params.kid, 8)
                              : Bytes();

    Box traf = Box::Container(kTraf);
    std::vector<SampleAuxInfo> aux;
    uint64_t next_sample = base;
    bool first_trun = true;
    for (Box& c : child.children) {
      const FourCC type = c.type;
      if (type == MakeFourCC("senc") || type == MakeFourCC("saiz") ||
          type == MakeFourCC("saio") || type == MakeFourCC("sbgp") ||
          type == MakeFourCC("sgpd") || type == MakeFourCC("uuid")) {
        if (type == MakeFourCC("sbgp") || type == MakeFourCC("sgpd") || type == MakeFourCC("uuid")) {
          // Other sample groups and uuid boxes are kept; 'seig' ones mean encrypted input.
          const bool seig = type != MakeFourCC("uuid") && c.payload.size() >= 8 &&
                            LoadBE32(c.payload.data() + 4) == MakeFourCC("seig");
          const bool piff = type == MakeFourCC("uuid") && c.usertype == mp4::kPiffSencUuid;
          if (!seig && !piff) {
            traf.children.push_back(std::move(c));
            continue;
          }
        }
        return InvalidArgument(traf_where + ": the input is already encrypted (it has '" +
                               mp4::FourCCString(type) + "')");
      }
      if (type == MakeFourCC("tfhd")) {
        Tfhd rewritten = tfhd;
        rewritten.flags &= ~Tfhd::kBaseDataOffsetPresent;
        rewritten.flags |= Tfhd::kDefaultBaseIsMoof;
        traf.children.push_back(rewritten.Write());
        continue;
      }
      if (type != kTrun) {
        traf.children.push_back(std::move(c));
        continue;
      }
      const std::string trun_where = traf_where + "/trun";
      Trun trun;
      WEE_RETURN_IF_ERROR(
          trun.Parse(c.payload, mp4::kMaxSamplesPerFragment - moof_samples).Within(traf_where));
      moof_samples += trun.entries.size();
      uint64_t pos = next_sample;
      if (trun.flags & Trun::kDataOffsetPresent) {
        // base <= piece.size, so this cannot overflow; negative offsets must stay in the input.
        const int64_t at = int64_t(base) + trun.data_offset;
        if (at < 0) return Malformed(trun_where + ": data_offset points before the start of the input");
        pos = uint64_t(at);
      } else if (first_trun) {
        pos = base;
      }
      first_trun = false;
      Plan::TrunSlot slot;
      slot.traf_child = new_children.size();  // where this traf will be pushed
      slot.trun_child = traf.children.size();
      slot.has_samples = !trun.entries.empty();
      slot.first_in_offset = pos;
      for (size_t i = 0; i < trun.entries.size(); ++i) {
        const Trun::Entry& entry = trun.entries[i];
        const uint32_t size = (trun.flags & Trun::kSampleSizePresent) ? entry.size : default_size;
        const uint32_t duration =
            (trun.flags & Trun::kSampleDurationPresent) ? entry.duration : default_duration;
        // Presentation time = decode time + composition offset (signed in trun version 1).
        const int64_t cto = !(trun.flags & Trun::kSampleCompositionTimeOffsetsPresent) ? 0
                            : trun.version == 1 ? int64_t(int32_t(entry.composition_offset))
                                                : int64_t(entry.composition_offset);
        const int64_t pts = int64_t(fragment.base_media_decode_time + fragment.duration) + cto;
        if (fragment.sample_count == 0 || pts < fragment.earliest_presentation_time)
          fragment.earliest_presentation_time = pts;
        if (fragment.sample_count == 0) {
          const uint32_t flags = (trun.flags & Trun::kFirstSampleFlagsPresent) && i == 0
                                     ? trun.first_sample_flags
                                 : (trun.flags & Trun::kSampleFlagsPresent) ? entry.flags
                                                                            : default_flags;
          fragment.starts_with_sap = !(flags & 0x10000);  // sample_is_non_sync_sample
        }
        fragment.duration += duration;
        ++fragment.sample_count;
        uint64_t end = 0;
        if (!CheckedAdd<uint64_t>(pos, size, &end) || end > piece.size) {
          return Malformed(trun_where + ": sample " + std::to_string(i) + " (" +
                           std::to_string(size) + " bytes at " + std::to_string(pos) +
                           ") runs past the end of the input (" + std::to_string(piece.size) +
                           " bytes)");
        }
        if (track->info.encrypted) {
          Plan::SampleJob job;
          job.in_offset = pos;
          job.size = size;
          job.key = key;
          job.sample.pattern = params.pattern;
          const uint64_t n = track->samples_done++;
          if (params.per_sample_iv_size == 8) job.sample.iv = AddToIv(iv_base, n);
          else if (params.per_sample_iv_size == 16)
            job.sample.iv = Derive("wasm-eme sample iv", options_.iv_seed, track->info.track_id,
                                   params.kid, 16, &n);
          else job.sample.iv = params.constant_iv;
          const ByteSpan data = piece.sub(size_t(pos), size);
          if (track->codec == Codec::kH264 || track->codec == Codec::kH265) {
            Status s = NalSubsamples(data,
                                     track->codec == Codec::kH264 ? NalCodec::kH264 : NalCodec::kH265,
                                     track->nal_length_size, nullptr, &job.sample.subsamples);
            if (!s.ok()) return s.Within(trun_where + ": sample " + std::to_string(i));
          } else if (options_.scheme == cenc::Scheme::kCens ||
                     options_.scheme == cenc::Scheme::kCbc1) {
            job.sample.subsamples = BlockAlignedSubsamples(size);
          }
          SampleAuxInfo info;
          if (params.per_sample_iv_size) info.iv = job.sample.iv;
          info.subsamples = job.sample.subsamples;
          aux.push_back(std::move(info));
          plan->jobs.push_back(std::move(job));
        }
        pos = end;
      }
      next_sample = pos;
      previous_traf_end = pos;
      trun.flags |= Trun::kDataOffsetPresent;
      slot.trun = trun;
      traf.children.push_back(trun.Write());
      trun_slots.push_back(std::move(slot));
    }
    track->next_decode_time = fragment.base_media_decode_time + fragment.duration;
    ++track->fragments_done;
    plan->fragments.push_back(fragment);
    plan->fragment_moof.push_back(plan->moofs.size());

    // The encryption boxes go before the first trun, where mp4ff and Bento4 put them.
    std::vector<Box> added;
    size_t senc_at = SIZE_MAX;  // index in `added`
    if (track->info.encrypted && fragment.sample_count > 0) {
      if (options_.rotation_period) {
        added.push_back(MakeSeigSbgp(fragment.sample_count));
        added.push_back(MakeSeigSgpd(params, HasPattern(options_.scheme)));
      }
      // Aux info (23001-7 7): 'senc', with 'saiz' and 'saio' pointing into it. Omitted when
      // it would be empty (constant IV, whole-sample encryption).
      const bool use_subsamples = track->codec == Codec::kH264 || track->codec == Codec::kH265 ||
                                  options_.scheme == cenc::Scheme::kCens ||
                                  options_.scheme == cenc::Scheme::kCbc1;
      bool any = false;
      for (const SampleAuxInfo& a : aux) any = any || AuxInfoSize(a, use_subsamples) > 0;
      if (any) {
        Box saiz;
        WEE_RETURN_IF_ERROR(MakeSaiz(aux, use_subsamples, &saiz).Within(traf_where));
        added.push_back(std::move(saiz));
        added.push_back(MakeSaio(0));
        senc_at = added.size();
        added.push_back(MakeSenc(aux, use_subsamples));
      }
    }
    size_t insert_at = traf.children.size();
    for (size_t i = 0; i < traf.children.size(); ++i) {
      if (traf.children[i].type == kTrun) {
        insert_at = i;
        break;
      }
    }
    for (Plan::TrunSlot& slot : trun_slots)
      if (slot.traf_child == new_children.size()) slot.trun_child += added.size();
    if (senc_at != SIZE_MAX) aux_slots.emplace_back(new_children.size(), insert_at + senc_at);
    traf.children.insert(traf.children.begin() + insert_at, std::make_move_iterator(added.begin()),
                         std::make_move_iterator(added.end()));
    new_children.push_back(std::move(traf));
  }

  // Key rotation: the moof names its KIDs in a 'pssh' so that players ask for new keys.
  size_t inserted = 0;
  if (options_.rotation_period && !moof_kids.empty()) {
    size_t at = 0;
    while (at < new_children.size() && new_children[at].type == MakeFourCC("mfhd")) ++at;
    std::vector<Box> pssh;
    pssh.push_back(MakePssh(kCommonSystemId, moof_kids));
    if (options_.clear_key_pssh) pssh.push_back(MakePssh(kClearKeySystemId, moof_kids));
    inserted = pssh.size();
    new_children.insert(new_children.begin() + at, std::make_move_iterator(pssh.begin()),
                        std::make_move_iterator(pssh.end()));
    for (Plan::TrunSlot& slot : trun_slots)
      if (slot.traf_child >= at) slot.traf_child += inserted;
    for (auto& slot : aux_slots)
      if (slot.first >= at) slot.first += inserted;
  }
  out.box.children = std::move(new_children);

  // saio offsets: from the moof's start (default-base-is-moof) to the first IV in the senc.
  // The moof's layout no longer changes (the saio's own size does not depend on the value).
  for (const auto& [traf_at, senc_at] : aux_slots) {
    uint64_t pos = out.box.HeaderSize();
    for (size_t i = 0; i < traf_at; ++i) pos += out.box.children[i].Size();
    Box& traf = out.box.children[traf_at];
    pos += traf.HeaderSize();
    for (size_t i = 0; i < senc_at; ++i) pos += traf.children[i].Size();
    traf.children[senc_at - 1] = MakeSaio(pos + kSencFirstEntryOffset);
  }
  out.truns = std::move(trun_slots);
  plan->moofs.push_back(std::move(out));
  return Status::Ok();
}

}  // namespace wee::packager
