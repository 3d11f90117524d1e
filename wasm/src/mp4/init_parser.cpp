// ParseInit: moov/trak/mdia/minf/stbl/stsd and the protection boxes of its sample entries,
// moov-level pssh, mvex/trex, stbl-level sgpd 'seig'.
#include <array>
#include <string>
#include <utility>

#include "mp4/box_reader.h"
#include "mp4/boxes.h"
#include "mp4/parser.h"

namespace wee::mp4 {
namespace {

constexpr FourCC kMoov = MakeFourCC("moov");
constexpr FourCC kMoof = MakeFourCC("moof");
constexpr FourCC kTrak = MakeFourCC("trak");
constexpr FourCC kTkhd = MakeFourCC("tkhd");
constexpr FourCC kMdia = MakeFourCC("mdia");
constexpr FourCC kHdlr = MakeFourCC("hdlr");
constexpr FourCC kMinf = MakeFourCC("minf");
constexpr FourCC kStbl = MakeFourCC("stbl");
constexpr FourCC kStsd = MakeFourCC("stsd");
constexpr FourCC kSgpd = MakeFourCC("sgpd");
constexpr FourCC kMvex = MakeFourCC("mvex");
constexpr FourCC kTrex = MakeFourCC("trex");
constexpr FourCC kPssh = MakeFourCC("pssh");
constexpr FourCC kSinf = MakeFourCC("sinf");
constexpr FourCC kFrma = MakeFourCC("frma");
constexpr FourCC kSchm = MakeFourCC("schm");
constexpr FourCC kSchi = MakeFourCC("schi");
constexpr FourCC kTenc = MakeFourCC("tenc");
constexpr FourCC kUuid = MakeFourCC("uuid");
constexpr std::array<uint8_t, 16> kPiffTencUuid = {0x89, 0x74, 0xdb, 0xce, 0x7b, 0xe7, 0x4c, 0x51,
                                                   0x84, 0xf9, 0x71, 0x48, 0xf9, 0x88, 0x25, 0x54};
constexpr FourCC kEncv = MakeFourCC("encv");
constexpr FourCC kEnca = MakeFourCC("enca");
constexpr FourCC kVide = MakeFourCC("vide");
constexpr FourCC kSoun = MakeFourCC("soun");

// SampleEntry (8 bytes: reserved[6], data_reference_index) + VisualSampleEntry fields
// (14496-12 12.1.3) before the child boxes.
constexpr uint64_t kVisualEntryFields = 8 + 70;
// SampleEntry + AudioSampleEntry fields (12.2.3). QuickTime sound descriptions version 1 and 2
// (the u16 right after SampleEntry, in an stsd of version 0) add 16 and 36 bytes; ISO's
// AudioSampleEntryV1 (entry_version 1 in an stsd of version 1) adds nothing.
constexpr uint64_t kAudioEntryFields = 8 + 20;

struct Sinf {
  FourCC original_format = 0;
  FourCC scheme_type = 0;
  uint32_t scheme_version = 0;
  EncryptionParams tenc;
};

Status ParseSinf(ByteSpan data, const Box& box, const std::string& path, Sinf* out) {
  bool has_frma = false, has_schm = false, has_tenc = false;
  ChildIterator it(data, box, path);
  while (!it.done()) {
    Box child;
    WEE_RETURN_IF_ERROR(it.Next(&child));
    const std::string child_path = path + "/" + child.name();
    if (child.type() == kFrma) {
      FrmaBox frma;
      WEE_RETURN_IF_ERROR(frma.Parse(child, child_path));
      out->original_format = frma.data_format;
      has_frma = true;
    } else if (child.type() == kSchm) {
      SchmBox schm;
      WEE_RETURN_IF_ERROR(schm.Parse(child, child_path));
      out->scheme_type = schm.scheme_type;
      out->scheme_version = schm.scheme_version;
      has_schm = true;
    } else if (child.type() == kSchi) {
      ChildIterator schi(data, child, child_path);
      bool has_piff_tenc = false;
      EncryptionParams piff_params;
      while (!schi.done()) {
        Box grandchild;
        WEE_RETURN_IF_ERROR(schi.Next(&grandchild));
        if (grandchild.type() == kTenc) {
          TencBox tenc;
          WEE_RETURN_IF_ERROR(tenc.Parse(grandchild, child_path + "/tenc"));
          out->tenc = std::move(tenc.params);
          has_tenc = true;
        } else if (grandchild.type() == kUuid && grandchild.header.usertype == kPiffTencUuid) {
          PiffTencBox piff;
          WEE_RETURN_IF_ERROR(piff.Parse(grandchild, child_path + "/uuid (PIFF tenc)"));
          piff_params = std::move(piff.params);
          has_piff_tenc = true;
        }
      }
      if (!has_tenc && has_piff_tenc) {
        out->tenc = std::move(piff_params);
        has_tenc = true;
      }
    }
  }
  if (!has_frma) return BoxError(path, "no frma");
  if (!has_schm) return BoxError(path, "no schm");
  if (!has_tenc) return BoxError(path, "no schi/tenc");
  return Status::Ok();
}

// Where the child boxes of a sample entry start (relative to its payload), or 0 when the
// layout is unknown (a protected entry of a handler other than vide/soun).
Status ChildBoxesStart(const Box& entry, FourCC handler, uint8_t stsd_version,
                       const std::string& path, uint64_t* start) {
  *start = 0;
  uint64_t fields = 0;
  if (entry.type() == kEncv || (entry.type() != kEnca && handler == kVide)) {
    fields = kVisualEntryFields;
  } else if (entry.type() == kEnca || handler == kSoun) {
    fields = kAudioEntryFields;
    if (stsd_version == 0 && entry.payload.size >= 10) {
      uint16_t qt_version = uint16_t(entry.payload[8] << 8 | entry.payload[9]);
      if (qt_version == 1) fields += 16;
      if (qt_version == 2) fields += 36;
    }
  } else {
    return Status::Ok();
  }
  if (entry.payload.size < fields) {
    return BoxError(path, std::to_string(entry.payload.size) + " bytes, too short for its " +
                              std::to_string(fields) + " bytes of sample entry fields");
  }
  *start = fields;
  return Status::Ok();
}

// Finds 'sinf' boxes in an entry of unknown layout: the first offset holding a plausible
// 'sinf' header, and the boxes that follow it.
uint64_t ScanForSinf(const Box& entry) {
  const ByteSpan p = entry.payload;
  for (uint64_t i = 8; i + 8 <= p.size; ++i) {
    if (LoadBE32(p.data + i + 4) != kSinf) continue;
    uint32_t size = LoadBE32(p.data + i);
    if (size >= 8 && size <= p.size - i) return i;
  }
  return 0;
}

Status ParseStsd(ByteSpan data, const Box& box, const std::string& path, Track* track,
                 std::vector<BoxRange>* to_neutralise) {
  ByteReader r(box.payload);
  uint8_t version;
  uint32_t flags, entry_count = 0;
  if (!ReadFullBoxHeader(&r, &version, &flags) || !r.ReadU32(&entry_count)) {
    return Truncated(path, "entry_count");
  }
  if (entry_count == 0) return BoxError(path, "no sample entries");
  if (entry_count > r.remaining() / 8) return CountTooLarge(path, "entry_count", entry_count);

  ChildIterator it(data, box.payload_offset + 8, box.payload_offset + box.payload.size, path);
  bool have_protected = false;
  for (uint32_t i = 0; i < entry_count; ++i) {
    if (it.done()) {
      return BoxError(path, "entry_count " + std::to_string(entry_count) + " but " +
                                std::to_string(i) + " sample entries");
    }
    Box entry;
    WEE_RETURN_IF_ERROR(it.Next(&entry));
    const std::string entry_path = path + "/" + entry.name();
    uint64_t start = 0;
    WEE_RETURN_IF_ERROR(ChildBoxesStart(entry, track->handler, version, entry_path, &start));
    if (start == 0) start = ScanForSinf(entry);

    bool protected_entry = false;
    if (start != 0) {
      ChildIterator children(data, entry.payload_offset + start,
                             entry.payload_offset + entry.payload.size, entry_path);
      while (!children.done()) {
        Box child;
        WEE_RETURN_IF_ERROR(children.Next(&child));
        if (child.type() != kSinf) continue;
        to_neutralise->push_back(child.range());
        if (protected_entry) continue;  // a second sinf (another scheme): the first one wins
        Sinf sinf;
        WEE_RETURN_IF_ERROR(ParseSinf(data, child, entry_path + "/sinf", &sinf));
        protected_entry = true;
        if (!have_protected) {
          have_protected = true;
          track->sample_entry_type = entry.type();
          track->sample_entry_type_offset = entry.header.offset + 4;
          track->original_format = sinf.original_format;
          track->scheme_type = sinf.scheme_type;
          track->scheme_version = sinf.scheme_version;
          track->tenc = std::move(sinf.tenc);
          track->codec = FourCCString(sinf.original_format);
        }
      }
    }
    if (i == 0 && !protected_entry) {
      track->sample_entry_type = entry.type();
      track->sample_entry_type_offset = entry.header.offset + 4;
      track->codec = FourCCString(entry.type());
    }
    track->entry_is_protected.push_back(protected_entry);
  }
  return Status::Ok();
}

Status ParseStbl(ByteSpan data, const Box& box, const std::string& path, Track* track,
                 std::vector<BoxRange>* to_neutralise) {
  bool has_stsd = false, has_seig = false;
  ChildIterator it(data, box, path);
  while (!it.done()) {
    Box child;
    WEE_RETURN_IF_ERROR(it.Next(&child));
    const std::string child_path = path + "/" + child.name();
    if (child.type() == kStsd) {
      if (has_stsd) return BoxError(child_path, "second stsd in stbl");
      WEE_RETURN_IF_ERROR(ParseStsd(data, child, child_path, track, to_neutralise));
      has_stsd = true;
    } else if (child.type() == kSgpd) {
      SgpdBox sgpd;
      WEE_RETURN_IF_ERROR(sgpd.Parse(child, child_path));
      if (sgpd.grouping_type != kSeig) continue;
      if (has_seig) return BoxError(child_path, "second sgpd of grouping_type 'seig'");
      has_seig = true;
      track->seig_entries = std::move(sgpd.seig_entries);
      track->seig_default_group_index = sgpd.default_group_description_index;
    }
  }
  if (!has_stsd) return BoxError(path, "no stsd");
  return Status::Ok();
}

// Finds the one child of `type` (kMalformed if absent).
Status FindChild(ByteSpan data, const Box& box, const std::string& path, FourCC type, Box* out) {
  ChildIterator it(data, box, path);
  while (!it.done()) {
    WEE_RETURN_IF_ERROR(it.Next(out));
    if (out->type() == type) return Status::Ok();
  }
  return BoxError(path, "no " + FourCCString(type));
}

Status ParseTrak(ByteSpan data, const Box& box, const std::string& path, Track* track,
                 std::vector<BoxRange>* to_neutralise) {
  Box tkhd_box, mdia, hdlr_box, minf, stbl;
  WEE_RETURN_IF_ERROR(FindChild(data, box, path, kTkhd, &tkhd_box));
  TkhdBox tkhd;
  WEE_RETURN_IF_ERROR(tkhd.Parse(tkhd_box, path + "/tkhd"));
  track->track_id = tkhd.track_id;

  const std::string mdia_path = path + "/mdia";
  WEE_RETURN_IF_ERROR(FindChild(data, box, path, kMdia, &mdia));
  WEE_RETURN_IF_ERROR(FindChild(data, mdia, mdia_path, kHdlr, &hdlr_box));
  HdlrBox hdlr;
  WEE_RETURN_IF_ERROR(hdlr.Parse(hdlr_box, mdia_path + "/hdlr"));
  track->handler = hdlr.handler_type;

  const std::string minf_path = mdia_path + "/minf";
  WEE_RETURN_IF_ERROR(FindChild(data, mdia, mdia_path, kMinf, &minf));
  WEE_RETURN_IF_ERROR(FindChild(data, minf, minf_path, kStbl, &stbl));
  return ParseStbl(data, stbl, minf_path + "/stbl", track, to_neutralise);
}

Status ParseMoov(ByteSpan data, const Box& moov, InitSegment* out) {
  InitSegment init;
  std::vector<TrexBox> trexes;
  int trak_index = 0;
  ChildIterator it(data, moov, "moov");
  while (!it.done()) {
    Box child;
    WEE_RETURN_IF_ERROR(it.Next(&child));
    if (child.type() == kTrak) {
      const std::string path = "moov/trak[" + std::to_string(++trak_index) + "]";
      Track track;
      WEE_RETURN_IF_ERROR(ParseTrak(data, child, path, &track, &init.to_neutralise));
      if (init.FindTrack(track.track_id)) {
        return BoxError(path + "/tkhd", "track_ID " + std::to_string(track.track_id) +
                                            " is used by an earlier trak");
      }
      init.tracks.push_back(std::move(track));
    } else if (child.type() == kMvex) {
      ChildIterator mvex(data, child, "moov/mvex");
      while (!mvex.done()) {
        Box grandchild;
        WEE_RETURN_IF_ERROR(mvex.Next(&grandchild));
        if (grandchild.type() != kTrex) continue;
        TrexBox trex;
        WEE_RETURN_IF_ERROR(trex.Parse(grandchild, "moov/mvex/trex"));
        trexes.push_back(trex);
      }
    } else if (child.type() == kPssh) {
      PsshBox pssh;
      WEE_RETURN_IF_ERROR(pssh.Parse(child, "moov/pssh"));
      pssh.pssh.box = data.sub(size_t(child.header.offset), size_t(child.header.size)).ToBytes();
      init.pssh.push_back(std::move(pssh.pssh));
      init.to_neutralise.push_back(child.range());
    }
  }
  if (init.tracks.empty()) return BoxError("moov", "no trak");
  for (const TrexBox& trex : trexes) {
    for (Track& t : init.tracks) {
      if (t.track_id != trex.track_id) continue;
      t.default_sample_description_index = trex.default_sample_description_index;
      t.default_sample_duration = trex.default_sample_duration;
      t.default_sample_size = trex.default_sample_size;
      t.default_sample_flags = trex.default_sample_flags;
    }
  }
  *out = std::move(init);
  return Status::Ok();
}

}  // namespace

Status ParseInit(ByteSpan data, InitSegment* out) {
  uint64_t pos = 0;
  while (pos < data.size) {
    BoxHeader h;
    // A size-0 box cannot be told complete here: more bytes may follow (kNeedMoreData).
    WEE_RETURN_IF_ERROR(ReadBoxHeader(data, pos, /*at_end=*/false, &h));
    if (h.type == kMoof) {
      return Malformed("moof at " + std::to_string(pos) + " comes before any moov");
    }
    if (h.type == kMoov) return ParseMoov(data, MakeBox(data, h), out);
    pos += h.size;
  }
  return NeedMoreData("no moov in the first " + std::to_string(data.size) + " bytes");
}

}  // namespace wee::mp4
