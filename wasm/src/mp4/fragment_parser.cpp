// ParseFragment: moof/traf sample tables (tfhd, tfdt, trun) and each sample's encryption
// (tenc or 'seig' groups, then senc / PIFF senc / saiz+saio for IVs and subsamples).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "mp4/box_reader.h"
#include "mp4/boxes.h"
#include "mp4/parser.h"

namespace wee::mp4 {
namespace {

constexpr FourCC kMoof = MakeFourCC("moof");
constexpr FourCC kMfhd = MakeFourCC("mfhd");
constexpr FourCC kTraf = MakeFourCC("traf");
constexpr FourCC kTfhd = MakeFourCC("tfhd");
constexpr FourCC kTfdt = MakeFourCC("tfdt");
constexpr FourCC kTrun = MakeFourCC("trun");
constexpr FourCC kSenc = MakeFourCC("senc");
constexpr FourCC kSaiz = MakeFourCC("saiz");
constexpr FourCC kSaio = MakeFourCC("saio");
constexpr FourCC kSbgp = MakeFourCC("sbgp");
constexpr FourCC kSgpd = MakeFourCC("sgpd");
constexpr FourCC kPssh = MakeFourCC("pssh");
constexpr FourCC kUuid = MakeFourCC("uuid");

// sbgp group_description_index values above this refer to the traf's own sgpd (8.9.4).
constexpr uint32_t kFragmentLocalGroupBase = 0x10000;

std::string Str(uint64_t v) { return std::to_string(v); }

// Auxiliary information types that carry Common Encryption data (23001-7 7.1: the scheme
// type; absent means the same).
bool IsCencAuxType(bool has_type, FourCC type, FourCC scheme_type) {
  return !has_type || type == scheme_type || type == MakeFourCC("cenc") ||
         type == MakeFourCC("cbcs") || type == MakeFourCC("cens") || type == MakeFourCC("cbc1");
}

// The boxes of one traf, collected first because their order inside the traf is free.
struct TrafBoxes {
  std::string path;
  bool has_tfhd = false;
  TfhdBox tfhd;
  bool has_tfdt = false;
  TfdtBox tfdt;
  std::vector<TrunBox> truns;
  bool has_senc = false, has_piff_senc = false;
  SencBox senc, piff_senc;
  bool has_saiz = false, has_saio = false;  // the first of a CENC aux_info_type
  SaizBox saiz;
  SaioBox saio;
  bool has_sbgp = false, has_sgpd = false;  // of grouping_type 'seig'
  SbgpBox sbgp;
  SgpdBox sgpd;
};

// Carried from one traf to the next inside a moof.
struct MoofContext {
  ByteSpan data;
  uint64_t moof_offset = 0;
  uint64_t moof_end = 0;
  std::optional<uint64_t> data_position;  // the file position of data[0], if it has one
  bool first_traf = true;
  uint64_t prev_traf_data_end = 0;  // implicit base of a traf without base-data-offset
  uint64_t total_samples = 0;
};

Status CollectTrafBoxes(const MoofContext& ctx, const InitSegment& init, const Box& traf,
                        TrafBoxes* b, std::vector<BoxRange>* to_neutralise) {
  std::vector<Box> saiz_boxes, saio_boxes;
  ChildIterator it(ctx.data, traf, b->path);
  int trun_index = 0;
  while (!it.done()) {
    Box child;
    WEE_RETURN_IF_ERROR(it.Next(&child));
    const std::string path = b->path + "/" + child.name();
    switch (child.type()) {
      case kTfhd:
        if (b->has_tfhd) return BoxError(path, "second tfhd in traf");
        WEE_RETURN_IF_ERROR(b->tfhd.Parse(child, path));
        b->has_tfhd = true;
        break;
      case kTfdt:
        if (b->has_tfdt) return BoxError(path, "second tfdt in traf");
        WEE_RETURN_IF_ERROR(b->tfdt.Parse(child, path));
        b->has_tfdt = true;
        break;
      case kTrun: {
        TrunBox trun;
        WEE_RETURN_IF_ERROR(trun.Parse(child, b->path + "/trun[" + Str(++trun_index) + "]"));
        b->truns.push_back(trun);
        break;
      }
      case kSenc:
        if (b->has_senc) return BoxError(path, "second senc in traf");
        WEE_RETURN_IF_ERROR(b->senc.Parse(child.payload, path));
        b->has_senc = true;
        to_neutralise->push_back(child.range());
        break;
      case kUuid:
        if (child.header.usertype != kPiffSencUuid) break;
        if (b->has_piff_senc) return BoxError(path + " (PIFF senc)", "second PIFF senc in traf");
        WEE_RETURN_IF_ERROR(b->piff_senc.Parse(child.payload, path + " (PIFF senc)"));
        b->has_piff_senc = true;
        to_neutralise->push_back(child.range());
        break;
      case kSaiz:
        saiz_boxes.push_back(child);
        break;
      case kSaio:
        saio_boxes.push_back(child);
        break;
      case kSbgp: {
        SbgpBox sbgp;
        WEE_RETURN_IF_ERROR(sbgp.Parse(child, path));
        if (sbgp.grouping_type != kSeig) break;
        if (b->has_sbgp) return BoxError(path, "second sbgp of grouping_type 'seig'");
        b->sbgp = std::move(sbgp);
        b->has_sbgp = true;
        to_neutralise->push_back(child.range());
        break;
      }
      case kSgpd: {
        SgpdBox sgpd;
        WEE_RETURN_IF_ERROR(sgpd.Parse(child, path));
        if (sgpd.grouping_type != kSeig) break;
        if (b->has_sgpd) return BoxError(path, "second sgpd of grouping_type 'seig'");
        b->sgpd = std::move(sgpd);
        b->has_sgpd = true;
        to_neutralise->push_back(child.range());
        break;
      }
      default:
        break;
    }
  }
  if (!b->has_tfhd) return BoxError(b->path, "no tfhd");
  const Track* track = init.FindTrack(b->tfhd.track_id);
  const FourCC scheme = track ? track->scheme_type : 0;
  // saiz/saio of a Common Encryption aux_info_type: the first of each is used, all are
  // neutralised (they describe encryption data the clear rewrite removes).
  for (const Box& box : saiz_boxes) {
    SaizBox saiz;
    WEE_RETURN_IF_ERROR(saiz.Parse(box, b->path + "/saiz"));
    if (!IsCencAuxType(saiz.has_aux_info_type, saiz.aux_info_type, scheme)) continue;
    to_neutralise->push_back(box.range());
    if (!b->has_saiz) b->saiz = saiz;
    b->has_saiz = true;
  }
  for (const Box& box : saio_boxes) {
    SaioBox saio;
    WEE_RETURN_IF_ERROR(saio.Parse(box, b->path + "/saio"));
    if (!IsCencAuxType(saio.has_aux_info_type, saio.aux_info_type, scheme)) continue;
    to_neutralise->push_back(box.range());
    if (!b->has_saio) b->saio = std::move(saio);
    b->has_saio = true;
  }
  return Status::Ok();
}

// 14496-12 8.8.7.1 / 8.8.8.3: lays out the samples of every trun (sizes, durations, flags,
// absolute offsets). Returns the traf's data base in *base.
Status LayOutSamples(MoofContext* ctx, const TrafBoxes& b, const Track& track,
                     uint32_t description_index, uint64_t* base, TrackFragment* out,
                     uint64_t* data_end) {
  const TfhdBox& tfhd = b.tfhd;
  if (tfhd.has(TfhdBox::kBaseDataOffsetPresent)) {
    const std::string path = b.path + "/tfhd";
    if (!ctx->data_position) {
      return BoxError(path, "base-data-offset-present (an absolute file position) is not allowed in "
                            "an MSE byte stream, which needs movie-fragment relative addressing");
    }
    if (tfhd.base_data_offset < *ctx->data_position) {
      return BoxError(path, "base_data_offset " + Str(tfhd.base_data_offset) +
                                " is before the parsed bytes, which start at file position " +
                                Str(*ctx->data_position));
    }
    *base = tfhd.base_data_offset - *ctx->data_position;
  } else if (tfhd.has(TfhdBox::kDefaultBaseIsMoof) || ctx->first_traf) {
    *base = ctx->moof_offset;
  } else {
    *base = ctx->prev_traf_data_end;  // the end of the previous traf's data
  }
  uint64_t next = *base;
  for (size_t k = 0; k < b.truns.size(); ++k) {
    const TrunBox& trun = b.truns[k];
    const std::string path = b.path + "/trun[" + Str(k + 1) + "]";
    if (trun.sample_count > kMaxSamplesPerFragment - ctx->total_samples) {
      return LimitExceeded(path + ": sample_count " + Str(trun.sample_count) +
                           " takes the moof past " + Str(kMaxSamplesPerFragment) + " samples");
    }
    ctx->total_samples += trun.sample_count;
    if (trun.has(TrunBox::kDataOffsetPresent)) {
      const int64_t delta = trun.data_offset;  // signed: may point before the base
      const uint64_t magnitude = delta < 0 ? uint64_t(-delta) : uint64_t(delta);
      if (delta < 0 ? *base < magnitude : !CheckedAdd<uint64_t>(*base, magnitude, &next)) {
        return BoxError(path, "data_offset " + std::to_string(delta) + " from base " + Str(*base) +
                                  " points outside the buffer's address range");
      }
      if (delta < 0) next = *base - magnitude;
    }  // else: right after the previous run (or at the base for the first run)
    out->samples.reserve(out->samples.size() + trun.sample_count);
    for (uint32_t i = 0; i < trun.sample_count; ++i) {
      const TrunBox::Record rec = trun.Get(i);
      Sample s;
      s.data_offset = next;
      s.size = trun.has(TrunBox::kSampleSizePresent)          ? rec.size
               : tfhd.has(TfhdBox::kDefaultSampleSizePresent) ? tfhd.default_sample_size
                                                              : track.default_sample_size;
      s.duration = trun.has(TrunBox::kSampleDurationPresent) ? rec.duration
                   : tfhd.has(TfhdBox::kDefaultSampleDurationPresent)
                       ? tfhd.default_sample_duration
                       : track.default_sample_duration;
      if (i == 0 && trun.has(TrunBox::kFirstSampleFlagsPresent)) {
        s.flags = trun.first_sample_flags;
      } else {
        s.flags = trun.has(TrunBox::kSampleFlagsPresent)          ? rec.flags
                  : tfhd.has(TfhdBox::kDefaultSampleFlagsPresent) ? tfhd.default_sample_flags
                                                                  : track.default_sample_flags;
      }
      s.composition_offset = rec.composition_offset;
      s.sample_description_index = description_index;
      if (!CheckedAdd<uint64_t>(next, s.size, &next) || next > kMaxBoxSize) {
        return BoxError(path, "sample " + Str(i + 1) + " ends beyond 2^53");
      }
      *data_end = std::max(*data_end, next);
      out->samples.push_back(std::move(s));
    }
  }
  ctx->prev_traf_data_end = next;
  return Status::Ok();
}

// The 'seig' group entry or 'tenc' that applies to each sample (23001-7 6, 14496-12 8.9.4).
Status ResolveGroups(const TrafBoxes& b, const Track& track, size_t sample_count,
                     std::vector<const EncryptionParams*>* params) {
  const EncryptionParams* fallback = &track.tenc;
  if (b.has_sgpd && b.sgpd.default_group_description_index != 0) {
    fallback = &b.sgpd.seig_entries[b.sgpd.default_group_description_index - 1];
  } else if (track.seig_default_group_index != 0 &&
             track.seig_default_group_index <= track.seig_entries.size()) {
    fallback = &track.seig_entries[track.seig_default_group_index - 1];
  }
  params->assign(sample_count, fallback);
  if (!b.has_sbgp) return Status::Ok();

  const std::string path = b.path + "/sbgp";
  uint64_t first = 0;
  for (const SbgpBox::Entry& e : b.sbgp.entries) {
    if (e.sample_count > sample_count - first) {
      return BoxError(
          path, "sample counts add up to more than the traf's " + Str(sample_count) + " samples");
    }
    const EncryptionParams* p = &track.tenc;  // index 0: in no group of this type
    const uint32_t index = e.group_description_index;
    if (index > kFragmentLocalGroupBase) {
      const uint32_t local = index - kFragmentLocalGroupBase;
      if (!b.has_sgpd || local > b.sgpd.seig_entries.size()) {
        return BoxError(path, "group_description_index " + Str(index) + " exceeds the " +
                                  Str(b.has_sgpd ? b.sgpd.seig_entries.size() : 0) +
                                  " entries of the traf's sgpd 'seig'");
      }
      p = &b.sgpd.seig_entries[local - 1];
    } else if (index > 0) {
      if (index > track.seig_entries.size()) {
        return BoxError(path, "group_description_index " + Str(index) + " exceeds the " +
                                  Str(track.seig_entries.size()) +
                                  " entries of the init's stbl sgpd 'seig'");
      }
      p = &track.seig_entries[index - 1];
    }
    std::fill(params->begin() + first, params->begin() + first + e.sample_count, p);
    first += e.sample_count;
  }
  return Status::Ok();
}

// Reads each sample's IV and subsamples from 'senc' (or the PIFF box).
Status ReadSenc(const SencBox& senc, const std::string& path, const std::vector<uint8_t>& iv_sizes,
                std::vector<Sample>* samples) {
  if (senc.sample_count != iv_sizes.size()) {
    return BoxError(path, "sample_count " + Str(senc.sample_count) + " but the traf has " +
                              Str(iv_sizes.size()) + " samples");
  }
  ByteReader r(senc.entries);
  const bool has_subsamples = senc.has(SencBox::kUseSubsampleEncryption);
  for (size_t i = 0; i < iv_sizes.size(); ++i) {
    Sample& s = (*samples)[i];
    WEE_RETURN_IF_ERROR(ReadSampleEncryptionEntry(
        &r, iv_sizes[i], has_subsamples, path + ": sample " + Str(i + 1), &s.iv, &s.subsamples));
  }
  if (r.remaining() != 0) {
    return BoxError(path, Str(r.remaining()) + " bytes follow the " + Str(iv_sizes.size()) +
                              " samples (wrong Per_Sample_IV_Size in tenc/seig?)");
  }
  return Status::Ok();
}

// Reads each sample's IV and subsamples from the auxiliary information saiz/saio locate
// (14496-12 8.7.8-9; offsets relative to the traf's data base, like the sample data).
Status ReadAuxInfo(const MoofContext& ctx, const TrafBoxes& b, uint64_t base,
                   const std::vector<uint8_t>& iv_sizes, std::vector<Sample>* samples) {
  const std::string saiz_path = b.path + "/saiz", saio_path = b.path + "/saio";
  if (!b.has_saio) return BoxError(saiz_path, "no saio for it in the traf");
  if (!b.has_saiz) return BoxError(saio_path, "no saiz for it in the traf");
  const SaizBox& saiz = b.saiz;
  const std::vector<uint64_t>& offsets = b.saio.offsets;
  if (saiz.sample_count != iv_sizes.size()) {
    return BoxError(saiz_path, "sample_count " + Str(saiz.sample_count) + " but the traf has " +
                                   Str(iv_sizes.size()) + " samples");
  }
  if (offsets.size() != 1 && offsets.size() != b.truns.size()) {
    return BoxError(saio_path, "entry_count " + Str(offsets.size()) + " is neither 1 nor the " +
                                   Str(b.truns.size()) + " truns of the traf");
  }
  size_t sample = 0;
  for (size_t run = 0; run < offsets.size(); ++run) {
    // One offset: all samples' info is contiguous. One per trun: each run's info starts anew.
    const size_t run_end =
        offsets.size() == 1 ? iv_sizes.size() : sample + b.truns[run].sample_count;
    uint64_t pos = 0;
    if (!CheckedAdd<uint64_t>(base, offsets[run], &pos)) {
      return BoxError(saio_path, "offset " + Str(offsets[run]) + " overflows");
    }
    for (; sample < run_end; ++sample) {
      const uint8_t size = saiz.SizeOf(uint32_t(sample));
      const std::string path = saiz_path + ": sample " + Str(sample + 1);
      uint64_t end = 0;
      if (!CheckedAdd<uint64_t>(pos, size, &end) || end > kMaxBoxSize) {
        return BoxError(saio_path, "offset " + Str(offsets[run]) + " is beyond any real file");
      }
      if (size != 0 && pos < ctx.moof_end && end > ctx.moof_end) {
        return BoxError(saio_path, "aux info at " + Str(pos) + ".." + Str(end) +
                                       " straddles the end of the moof");
      }
      if (end > ctx.data.size) {
        return NeedMoreData(saio_path + ": aux info at " + Str(pos) + ".." + Str(end) +
                            " is not in the buffer yet");
      }
      ByteReader r(ctx.data.sub(size_t(pos), size));
      if (size < iv_sizes[sample]) {
        return BoxError(path, "info size " + Str(size) + " is smaller than its IV size " +
                                  Str(iv_sizes[sample]));
      }
      Sample& s = (*samples)[sample];
      WEE_RETURN_IF_ERROR(ReadSampleEncryptionEntry(&r, iv_sizes[sample], size > iv_sizes[sample],
                                                    path, &s.iv, &s.subsamples));
      if (r.remaining() != 0) {
        return BoxError(path, "info size " + Str(size) + " does not match its IV size " +
                                  Str(iv_sizes[sample]) + " and " + Str(s.subsamples.size()) +
                                  " subsamples");
      }
      pos = end;
    }
  }
  return Status::Ok();
}

// 23001-7 7: gives every sample its protection, KID, IV, pattern and subsamples.
Status ResolveEncryption(const MoofContext& ctx, const TrafBoxes& b, const Track& track,
                         uint64_t base, TrackFragment* traf) {
  const size_t n = traf->samples.size();
  std::vector<const EncryptionParams*> groups;
  WEE_RETURN_IF_ERROR(ResolveGroups(b, track, n, &groups));

  // senc wins over the PIFF box when a traf has both (mp4ff/2xSencNoMdat.mp4 does).
  const SencBox* senc = b.has_senc ? &b.senc : b.has_piff_senc ? &b.piff_senc : nullptr;
  const std::string senc_path = b.path + (b.has_senc ? "/senc" : "/uuid (PIFF senc)");
  // PIFF 1.1: the senc flag 0x1 overrides protection, IV size and KID for the whole traf.
  const bool piff_override = senc && senc->has(SencBox::kOverrideTrackEncryptionBoxParameters);
  auto is_protected = [&](size_t i) {
    return piff_override ? senc->algorithm_id != 0 : groups[i]->is_protected;
  };
  // Per-sample IV size; 0 for clear samples, whose senc/aux entries hold no IV.
  std::vector<uint8_t> iv_sizes(n);
  bool need_ivs = false;
  for (size_t i = 0; i < n; ++i) {
    if (!is_protected(i)) continue;
    iv_sizes[i] = piff_override ? senc->override_iv_size : groups[i]->per_sample_iv_size;
    if (iv_sizes[i] == 0 && groups[i]->constant_iv.empty()) {
      return BoxError(senc_path,
                      "sample " + Str(i + 1) + " is protected with IV size 0 and no constant IV");
    }
    need_ivs = need_ivs || iv_sizes[i] != 0;
  }

  std::vector<Sample>& samples = traf->samples;
  if (senc) {
    WEE_RETURN_IF_ERROR(ReadSenc(*senc, senc_path, iv_sizes, &samples));
  } else if (b.has_saiz || b.has_saio) {
    WEE_RETURN_IF_ERROR(ReadAuxInfo(ctx, b, base, iv_sizes, &samples));
  } else if (need_ivs) {
    return BoxError(b.path,
                    "protected samples need per-sample IVs but there is no senc or "
                    "saiz/saio");
  }

  for (size_t i = 0; i < n; ++i) {
    Sample& s = samples[i];
    if (!is_protected(i)) {
      s.iv.clear();
      s.subsamples.clear();
      continue;
    }
    const EncryptionParams& p = *groups[i];
    s.is_protected = true;
    s.kid = piff_override ? senc->override_kid : p.kid;
    s.pattern = p.pattern;
    if (iv_sizes[i] == 0) s.iv = p.constant_iv;
    uint64_t covered = 0;
    for (const Subsample& sub : s.subsamples)
      covered += uint64_t(sub.clear_bytes) + sub.protected_bytes;
    if (!s.subsamples.empty() && covered != s.size) {
      return BoxError(senc ? senc_path : b.path + "/saiz",
                      "sample " + Str(i + 1) + " subsamples cover " + Str(covered) +
                          " bytes but the sample has " + Str(s.size));
    }
  }
  return Status::Ok();
}

Status ParseTraf(MoofContext* ctx, const InitSegment& init, const Box& traf_box,
                 const std::string& path, Fragment* frag) {
  TrafBoxes b;
  b.path = path;
  WEE_RETURN_IF_ERROR(CollectTrafBoxes(*ctx, init, traf_box, &b, &frag->to_neutralise));
  const Track* track = init.FindTrack(b.tfhd.track_id);
  if (!track) {
    return BoxError(path + "/tfhd",
                    "track_ID " + Str(b.tfhd.track_id) + " is not in the init segment");
  }
  // Sample description index: tfhd, else trex (where 0, written by some packagers, means 1).
  uint32_t description_index = track->default_sample_description_index;
  std::string index_source = "moov/mvex/trex default_sample_description_index";
  if (b.tfhd.has(TfhdBox::kSampleDescriptionIndexPresent)) {
    description_index = b.tfhd.sample_description_index;
    index_source = path + "/tfhd: sample_description_index";
  } else if (description_index == 0) {
    description_index = 1;
  }
  const size_t entries = track->entry_is_protected.size();
  if (description_index == 0 || description_index > entries) {
    return Malformed(index_source + " " + Str(description_index) + " is not in 1.." + Str(entries));
  }

  TrackFragment traf;
  traf.track_id = b.tfhd.track_id;
  traf.has_tfdt = b.has_tfdt;
  traf.base_media_decode_time = b.tfdt.base_media_decode_time;
  uint64_t base = 0;
  WEE_RETURN_IF_ERROR(
      LayOutSamples(ctx, b, *track, description_index, &base, &traf, &frag->data_end));
  ctx->first_traf = false;
  // A sample described by a clear sample entry is clear whatever the groups say.
  if (track->entry_is_protected[description_index - 1]) {
    WEE_RETURN_IF_ERROR(ResolveEncryption(*ctx, b, *track, base, &traf));
  }
  frag->trafs.push_back(std::move(traf));
  return Status::Ok();
}

}  // namespace

Status ParseFragment(ByteSpan data, uint64_t moof_offset, const InitSegment& init, Fragment* out,
                     std::optional<uint64_t> data_position) {
  BoxHeader h;
  WEE_RETURN_IF_ERROR(ReadBoxHeader(data, moof_offset, /*at_end=*/false, &h));
  if (h.type != kMoof) {
    return InvalidArgument("no moof at " + Str(moof_offset) + " (found " + FourCCString(h.type) +
                           ")");
  }
  const Box moof = MakeBox(data, h);
  MoofContext ctx;
  ctx.data = data;
  ctx.moof_offset = moof_offset;
  ctx.moof_end = moof_offset + h.size;
  ctx.data_position = data_position;

  Fragment frag;
  frag.moof = moof.range();
  frag.data_end = ctx.moof_end;
  bool has_mfhd = false;
  int traf_index = 0;
  ChildIterator it(data, moof, "moof");
  while (!it.done()) {
    Box child;
    WEE_RETURN_IF_ERROR(it.Next(&child));
    if (child.type() == kMfhd) {
      MfhdBox mfhd;
      WEE_RETURN_IF_ERROR(mfhd.Parse(child, "moof/mfhd"));
      frag.sequence_number = mfhd.sequence_number;
      has_mfhd = true;
    } else if (child.type() == kTraf) {
      WEE_RETURN_IF_ERROR(
          ParseTraf(&ctx, init, child, "moof/traf[" + Str(++traf_index) + "]", &frag));
    } else if (child.type() == kPssh) {
      PsshBox pssh;
      WEE_RETURN_IF_ERROR(pssh.Parse(child, "moof/pssh"));
      pssh.pssh.box = data.sub(size_t(child.header.offset), size_t(child.header.size)).ToBytes();
      frag.pssh.push_back(std::move(pssh.pssh));
      frag.to_neutralise.push_back(child.range());
    }
  }
  if (!has_mfhd) return BoxError("moof", "no mfhd");
  *out = std::move(frag);
  return Status::Ok();
}

}  // namespace wee::mp4
