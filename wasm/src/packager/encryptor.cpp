#include "packager/encryptor.h"

#include <algorithm>
#include <cstring>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "mp4/parser.h"
#include "packager/encryptor_internal.h"

namespace wee::packager {

const mp4::Kid kCommonSystemId = {0x10, 0x77, 0xef, 0xec, 0xc0, 0xb2, 0x4d, 0x02,
                                  0xac, 0xe3, 0x3c, 0x1e, 0x52, 0xe2, 0xfb, 0x4b};
const mp4::Kid kClearKeySystemId = {0xe2, 0x71, 0x9d, 0x58, 0xa9, 0x85, 0xb3, 0xc9,
                                    0x78, 0x1a, 0xb0, 0x30, 0xaf, 0x78, 0xd3, 0x0e};

namespace internal {

const char kFragmentHint[] =
    "fragment it first, e.g. ffmpeg -i in.mp4 -c copy -movflags "
    "+frag_keyframe+empty_moov+default_base_moof out.mp4";

std::string Hex(const mp4::Kid& kid) { return HexEncode(ByteSpan(kid.data(), kid.size())); }

std::string At(const char* box, uint64_t offset) {
  return std::string(box) + " at " + std::to_string(offset);
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
             size_t size, const uint64_t* counter) {
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

}  // namespace internal

using namespace internal;

const char* TrackKindName(TrackKind kind) {
  switch (kind) {
    case TrackKind::kVideo: return "video";
    case TrackKind::kAudio: return "audio";
    case TrackKind::kOther: return "other";
  }
  return "other";
}

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
        WEE_RETURN_IF_ERROR(TrunWithDataOffset(slot.trun_payload, int32_t(data_offset), slot.where,
                                               &moof.box.children[slot.traf_child].children[slot.trun_child]));
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

}  // namespace wee::packager
