#include "packager/track_splitter.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "mp4/boxes.h"
#include "mp4/parser.h"
#include "packager/box_tree.h"
#include "packager/boxes.h"
#include "packager/codecs_parameter.h"
#include "packager/encryptor_internal.h"

namespace wee::packager {
namespace {

using namespace internal;

constexpr FourCC kFtyp = MakeFourCC("ftyp");
constexpr FourCC kStyp = MakeFourCC("styp");
constexpr FourCC kTrak = MakeFourCC("trak");
constexpr FourCC kMvex = MakeFourCC("mvex");
constexpr FourCC kTfhd = MakeFourCC("tfhd");

// Boxes of mvex that apply to one track, track_ID after version and flags (14496-12 8.8.3, 8.8.15).
bool IsPerTrackMvexBox(FourCC type) { return type == MakeFourCC("trex") || type == MakeFourCC("trep"); }

// What an MPD and HLS need of a track: timescale, codecs parameter, picture size or audio format.
Status DescribeTrack(const Box& trak, const std::string& where, TrackStream* t) {
  const Box* mdia = trak.Child(MakeFourCC("mdia"));
  const Box* mdhd = mdia ? mdia->Child(MakeFourCC("mdhd")) : nullptr;
  const size_t ts_at = mdhd && !mdhd->payload.empty() && mdhd->payload[0] == 1 ? 20 : 12;
  if (!mdhd || mdhd->payload.size() < ts_at + 4) return Malformed(where + "/mdia: no complete 'mdhd'");
  t->timescale = LoadBE32(mdhd->payload.data() + ts_at);
  if (t->timescale == 0) return Malformed(where + "/mdia/mdhd: timescale 0");
  const Box* minf = mdia->Child(MakeFourCC("minf"));
  const Box* stbl = minf ? minf->Child(MakeFourCC("stbl")) : nullptr;
  const Box* stsd = stbl ? stbl->Child(MakeFourCC("stsd")) : nullptr;
  const std::string stsd_where = where + "/mdia/minf/stbl/stsd";
  if (!stsd || stsd->payload.size() < 8) return Malformed(stsd_where + ": missing or too short");
  std::vector<Box> entries;
  WEE_RETURN_IF_ERROR(ParseBoxes(ByteSpan(stsd->payload).sub(8, stsd->payload.size() - 8),
                                 stsd_where, &entries));
  if (entries.empty()) return Malformed(stsd_where + ": no sample entry");
  const Box& entry = entries[0];
  t->codec = mp4::FourCCString(entry.type);
  if (t->kind == TrackKind::kOther) return Status::Ok();

  const std::string entry_where = stsd_where + "/" + t->codec;
  auto fields = SampleEntryFieldsSize(t->kind, entry.payload, entry_where);
  if (!fields.ok()) return fields.status();
  const uint8_t* p = entry.payload.data();
  if (t->kind == TrackKind::kVideo) {
    t->width = uint32_t((p[24] << 8) | p[25]);  // VisualSampleEntry (12.1.3)
    t->height = uint32_t((p[26] << 8) | p[27]);
  } else if (LoadBE32(p + 8) >> 16 == 2) {
    // QuickTime sound description version 2: a float64 rate and a 32-bit channel count.
    const uint64_t bits = LoadBE64(p + 32);
    double rate = 0;
    std::memcpy(&rate, &bits, sizeof(rate));
    t->sample_rate = rate > 0 && rate < 1e7 ? uint32_t(rate) : 0;
    t->channels = LoadBE32(p + 40);
  } else {
    t->channels = uint32_t((p[16] << 8) | p[17]);  // AudioSampleEntry (12.2.3)
    t->sample_rate = LoadBE32(p + 24) >> 16;
  }
  std::vector<Box> children;
  WEE_RETURN_IF_ERROR(ParseBoxes(ByteSpan(entry.payload).sub(*fields, entry.payload.size() - *fields),
                                 entry_where, &children));
  auto config = [&](FourCC type) -> const Box* {
    for (const Box& c : children)
      if (c.type == type) return &c;
    return nullptr;
  };
  Result<std::string> codecs = std::string();
  const Box* avcc = config(MakeFourCC("avcC"));
  const Box* hvcc = config(MakeFourCC("hvcC"));
  const Box* av1c = config(MakeFourCC("av1C"));
  const Box* esds = config(MakeFourCC("esds"));
  const std::string& c = t->codec;
  if ((c == "avc1" || c == "avc3") && avcc) codecs = AvcCodecs(entry.type, avcc->payload);
  else if ((c == "hvc1" || c == "hev1") && hvcc) codecs = HevcCodecs(entry.type, hvcc->payload);
  else if (c == "av01" && av1c) {
    const Box* colr = config(MakeFourCC("colr"));
    codecs = Av1Codecs(av1c->payload, colr ? ByteSpan(colr->payload) : ByteSpan());
  }
  else if (c == "mp4a" && esds) codecs = Mp4aCodecs(esds->payload, &t->channels);
  if (!codecs.ok()) return Status(codecs.status()).Within(entry_where);
  t->codecs = *codecs;
  return Status::Ok();
}

// The init segment of one track: the input's ftyp, and its moov without the other tracks.
Bytes MakeInit(ByteSpan ftyp, const Box& moov, size_t trak_index, uint32_t track_id) {
  Box out = Box::Container(MakeFourCC("moov"));
  size_t index = 0;
  for (const Box& child : moov.children) {
    if (child.type == kTrak) {
      if (index++ != trak_index) continue;
      Box trak = child;
      trak.children.erase(std::remove_if(trak.children.begin(), trak.children.end(),
                                         [](const Box& b) { return b.type == MakeFourCC("tref"); }),
                          trak.children.end());
      out.children.push_back(std::move(trak));
    } else if (child.type == kMvex) {
      Box mvex = Box::Container(kMvex);
      for (const Box& b : child.children) {
        if (b.type == MakeFourCC("leva")) continue;
        if (IsPerTrackMvexBox(b.type) && (b.payload.size() < 8 || LoadBE32(b.payload.data() + 4) != track_id))
          continue;
        mvex.children.push_back(b);
      }
      out.children.push_back(std::move(mvex));
    } else if (child.type != MakeFourCC("iods")) {
      out.children.push_back(child);
    }
  }
  Bytes init(ftyp.begin(), ftyp.end());
  Bytes moov_bytes = WriteBox(out);
  init.insert(init.end(), moov_bytes.begin(), moov_bytes.end());
  return init;
}

// The samples of each traf of the moof, after the same checks the encryptor makes.
struct TrafSamples {
  uint32_t track_id = 0;
  std::vector<mp4::Sample> samples;
};

// One track's segment from a moof: its trafs only, tfhd default-base-is-moof, trun data offsets
// into an mdat that holds their samples back to back.
Status MakeSegment(const Box& moof, const std::string& where, const std::vector<TrafSamples>& trafs,
                   uint32_t track_id, ByteSpan styp, SplitSegment* out) {
  Box result = Box::Container(kMoof);
  struct Slot {
    size_t traf_child, trun_child;
    uint64_t payload_offset;  // of its first sample in the new mdat
  };
  std::vector<Slot> slots;
  std::vector<ByteSpan> truns;  // the input truns' payloads
  SplitSegment segment;
  uint64_t payload_size = 0;
  size_t traf_index = 0;
  for (const Box& child : moof.children) {
    if (child.type != kTraf) {
      result.children.push_back(child);
      continue;
    }
    const TrafSamples& samples = trafs[traf_index++];
    if (samples.track_id != track_id) continue;
    const std::string traf_where = where + "/traf[" + std::to_string(traf_index) + "]";
    Box traf = Box::Container(kTraf);
    size_t next_sample = 0;
    for (const Box& c : child.children) {
      if (c.type == kTfhd) {
        Box tfhd;
        WEE_RETURN_IF_ERROR(TfhdBasedOnMoof(c.payload, traf_where, &tfhd));
        traf.children.push_back(std::move(tfhd));
      } else if (c.type == kTrun) {
        mp4::TrunBox trun;
        WEE_RETURN_IF_ERROR(trun.ParsePayload(c.payload, traf_where + "/trun"));
        if (trun.sample_count > samples.samples.size() - next_sample)
          return Malformed(traf_where + ": its truns have more samples than were laid out");
        slots.push_back({result.children.size(), traf.children.size(), payload_size});
        for (size_t i = 0; i < trun.sample_count; ++i) {
          const mp4::Sample& s = samples.samples[next_sample++];
          payload_size += s.size;
          auto& runs = segment.runs;
          if (!runs.empty() && runs.back().first + runs.back().second == s.data_offset)
            runs.back().second += s.size;
          else if (s.size)
            runs.emplace_back(s.data_offset, s.size);
        }
        truns.push_back(c.payload);
        Box provisional;  // the data offset is known once the moof is complete
        WEE_RETURN_IF_ERROR(TrunWithDataOffset(c.payload, 0, traf_where, &provisional));
        traf.children.push_back(std::move(provisional));
      } else {
        traf.children.push_back(c);
      }
    }
    if (next_sample != samples.samples.size())
      return Malformed(traf_where + ": its truns have fewer samples than were laid out");
    result.children.push_back(std::move(traf));
  }

  // data_offset: from the moof's start (default-base-is-moof) past the mdat header. Its value
  // does not change the moof's size.
  const uint64_t mdat_header = payload_size + 8 > UINT32_MAX ? 16 : 8;
  const uint64_t data_start = result.Size() + mdat_header;
  for (size_t i = 0; i < slots.size(); ++i) {
    const uint64_t offset = data_start + slots[i].payload_offset;
    if (offset > INT32_MAX) return LimitExceeded(where + ": the samples of track " + std::to_string(track_id) + " are too large for trun data_offset");
    WEE_RETURN_IF_ERROR(TrunWithDataOffset(truns[i], int32_t(offset), where,
                                           &result.children[slots[i].traf_child].children[slots[i].trun_child]));
  }
  segment.head.assign(styp.begin(), styp.end());
  ByteWriter w(&segment.head);
  WriteBox(result, &w);
  if (mdat_header == 16) {
    w.U32(1);
    w.U32(kMdat);
    w.U64(payload_size + 16);
  } else {
    w.U32(uint32_t(payload_size + 8));
    w.U32(kMdat);
  }
  *out = std::move(segment);
  return Status::Ok();
}

}  // namespace

uint64_t SplitSegment::Size() const {
  uint64_t size = head.size();
  for (const auto& run : runs) size += run.second;
  return size;
}

Status SplitTracks(ByteSpan file, std::vector<TrackStream>* out) {
  std::vector<mp4::BoxHeader> boxes;
  for (uint64_t pos = 0; pos < file.size;) {
    mp4::BoxHeader h;
    Status s = mp4::ReadBoxHeader(file, pos, /*at_end=*/true, &h);
    if (s.code() == Code::kNeedMoreData) return Malformed("the input is truncated: " + s.message());
    WEE_RETURN_IF_ERROR(s);
    pos += h.size;
    boxes.push_back(h);
  }
  const mp4::BoxHeader* ftyp = nullptr;
  const mp4::BoxHeader* moov = nullptr;
  std::vector<std::pair<uint64_t, uint64_t>> mdats;  // payload ranges, in input order
  for (const mp4::BoxHeader& h : boxes) {
    if (h.type == kFtyp && !ftyp && !moov) ftyp = &h;
    if (h.type == kMoov) {
      if (moov) return Malformed(At("moov", h.offset) + ": a second 'moov'");
      moov = &h;
    }
    if (h.type == kMoof && !moov)
      return Malformed(At("moof", h.offset) + ": comes before any 'moov' (the init segment must come first)");
    if (h.type == kMdat) mdats.emplace_back(h.offset + h.header_size, h.offset + h.size);
  }
  if (!moov) return Malformed("no 'moov' in the input");

  mp4::InitSegment init;
  WEE_RETURN_IF_ERROR(mp4::ParseInit(file, &init));
  Box moov_box;
  WEE_RETURN_IF_ERROR(ParseBox(file, moov->offset, "", &moov_box));
  if (!moov_box.Child(kMvex)) {
    return InvalidArgument("the input is not a fragmented MP4 (no 'mvex' in 'moov'): " +
                           std::string(kFragmentHint));
  }
  const ByteSpan ftyp_bytes = ftyp ? file.sub(size_t(ftyp->offset), size_t(ftyp->size)) : ByteSpan();
  std::vector<TrackStream> tracks;
  const std::vector<const Box*> traks = std::as_const(moov_box).Children(kTrak);
  if (traks.size() != init.tracks.size()) return Malformed("moov: internal: track count mismatch");
  for (size_t i = 0; i < traks.size(); ++i) {
    TrackStream t;
    const mp4::Track& track = init.tracks[i];
    t.track_id = track.track_id;
    t.kind = track.handler == MakeFourCC("vide")   ? TrackKind::kVideo
             : track.handler == MakeFourCC("soun") ? TrackKind::kAudio
                                                   : TrackKind::kOther;
    WEE_RETURN_IF_ERROR(DescribeTrack(*traks[i], "moov/trak[" + std::to_string(i + 1) + "]", &t));
    t.init = MakeInit(ftyp_bytes, moov_box, i, t.track_id);
    tracks.push_back(std::move(t));
  }

  const mp4::BoxHeader* styp = nullptr;  // the last one since the previous moof
  for (const mp4::BoxHeader& h : boxes) {
    if (h.type == kStyp) styp = &h;
    if (h.type != kMoof) continue;
    const std::string where = At("moof", h.offset);
    mp4::Fragment fragment;
    WEE_RETURN_IF_ERROR(mp4::ParseFragment(file, h.offset, init, &fragment).Within(where));
    std::vector<TrafSamples> trafs;
    for (mp4::TrackFragment& traf : fragment.trafs) {
      for (const mp4::Sample& s : traf.samples) {
        const uint64_t end = s.data_offset + s.size;  // ParseFragment bounds it by 2^53
        auto after = std::upper_bound(mdats.begin(), mdats.end(), std::make_pair(s.data_offset, UINT64_MAX));
        if (after == mdats.begin() || s.data_offset < std::prev(after)->first || end > std::prev(after)->second) {
          return Malformed(where + ": sample data at " + std::to_string(s.data_offset) + ".." +
                           std::to_string(end) + " is not inside an 'mdat' of this input");
        }
      }
      trafs.push_back({traf.track_id, std::move(traf.samples)});
    }
    Box moof;
    WEE_RETURN_IF_ERROR(ParseBox(file, h.offset, "", &moof));
    if (moof.Children(kTraf).size() != trafs.size()) return Malformed(where + ": internal: traf count mismatch");
    const ByteSpan styp_bytes = styp ? file.sub(size_t(styp->offset), size_t(styp->size)) : ByteSpan();
    for (TrackStream& t : tracks) {
      if (std::none_of(trafs.begin(), trafs.end(), [&](const TrafSamples& s) { return s.track_id == t.track_id; }))
        continue;
      SplitSegment segment;
      WEE_RETURN_IF_ERROR(MakeSegment(moof, where, trafs, t.track_id, styp_bytes, &segment));
      t.segments.push_back(std::move(segment));
    }
    styp = nullptr;
  }
  *out = std::move(tracks);
  return Status::Ok();
}

Bytes WriteSegment(ByteSpan file, const SplitSegment& segment) {
  Bytes out;
  out.reserve(size_t(segment.Size()));
  out.insert(out.end(), segment.head.begin(), segment.head.end());
  for (const auto& [offset, size] : segment.runs)
    out.insert(out.end(), file.data + offset, file.data + offset + size);
  return out;
}

}  // namespace wee::packager
