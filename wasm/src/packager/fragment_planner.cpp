// Plans the encryption of one 'moof' and its samples: subsamples and IVs for every sample,
// the rewritten traf (tfhd default-base-is-moof, trun with provisional data offsets, sbgp/sgpd
// 'seig' for key rotation, saiz/saio/senc), a 'pssh' in the moof when keys rotate. Nothing is
// encrypted here; Encryptor::Process does that once the whole piece's layout is known.
#include <algorithm>

#include "base/byte_reader.h"
#include "mp4/boxes.h"
#include "mp4/parser.h"
#include "packager/encryptor_internal.h"
#include "packager/subsamples.h"

namespace wee::packager {

using namespace internal;

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
    mp4::TfhdBox tfhd;
    WEE_RETURN_IF_ERROR(tfhd.ParsePayload(tfhd_box->payload, traf_where + "/tfhd"));
    TrackState* track = nullptr;
    for (TrackState& t : *tracks)
      if (t.info.track_id == tfhd.track_id) track = &t;
    if (!track) {
      return Malformed(traf_where + "/tfhd: track_ID " + std::to_string(tfhd.track_id) +
                       " is not a track of the 'moov'");
    }

    uint64_t base = offset;
    if (tfhd.flags & mp4::TfhdBox::kBaseDataOffsetPresent) {
      base = tfhd.base_data_offset;
      if (base > piece.size) {
        return Malformed(traf_where + "/tfhd: base_data_offset " + std::to_string(base) +
                         " is beyond the end of the input (" + std::to_string(piece.size) +
                         " bytes)");
      }
    }
    else if (!(tfhd.flags & mp4::TfhdBox::kDefaultBaseIsMoof) && !first_traf) base = previous_traf_end;
    first_traf = false;
    const uint32_t default_size = (tfhd.flags & mp4::TfhdBox::kDefaultSampleSizePresent)
                                      ? tfhd.default_sample_size : track->trex_sample_size;
    const uint32_t default_duration = (tfhd.flags & mp4::TfhdBox::kDefaultSampleDurationPresent)
                                          ? tfhd.default_sample_duration
                                          : track->trex_sample_duration;
    const uint32_t default_flags = (tfhd.flags & mp4::TfhdBox::kDefaultSampleFlagsPresent)
                                       ? tfhd.default_sample_flags : track->trex_sample_flags;

    FragmentInfo fragment;
    fragment.track_id = track->info.track_id;
    fragment.sequence_number = sequence_number;
    fragment.encrypted = track->info.encrypted;
    fragment.base_media_decode_time = track->next_decode_time;
    if (const Box* tfdt_box = child.Child(MakeFourCC("tfdt"))) {
      mp4::TfdtBox tfdt;
      WEE_RETURN_IF_ERROR(tfdt.ParsePayload(tfdt_box->payload, traf_where + "/tfdt"));
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
        Box rewritten;
        WEE_RETURN_IF_ERROR(TfhdBasedOnMoof(c.payload, traf_where, &rewritten));
        traf.children.push_back(std::move(rewritten));
        continue;
      }
      if (type != kTrun) {
        traf.children.push_back(std::move(c));
        continue;
      }
      const std::string trun_where = traf_where + "/trun";
      mp4::TrunBox trun;
      WEE_RETURN_IF_ERROR(trun.ParsePayload(c.payload, trun_where));
      // Bounds the per-sample work when the records cost no bytes (all defaults from tfhd).
      if (trun.sample_count > mp4::kMaxSamplesPerFragment - moof_samples) {
        return LimitExceeded(trun_where + ": " + std::to_string(trun.sample_count) +
                             " samples exceed the limit of " +
                             std::to_string(mp4::kMaxSamplesPerFragment) + " per fragment");
      }
      moof_samples += trun.sample_count;
      uint64_t pos = next_sample;
      if (trun.has(mp4::TrunBox::kDataOffsetPresent)) {
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
      slot.has_samples = trun.sample_count > 0;
      slot.first_in_offset = pos;
      for (uint32_t i = 0; i < trun.sample_count; ++i) {
        using T = mp4::TrunBox;
        const T::Record entry = trun.Get(i);
        const uint32_t size = trun.has(T::kSampleSizePresent) ? entry.size : default_size;
        const uint32_t duration = trun.has(T::kSampleDurationPresent) ? entry.duration : default_duration;
        // Presentation time = decode time + composition offset (signed in trun version 1).
        const int64_t cto = entry.composition_offset;
        const int64_t pts = int64_t(fragment.base_media_decode_time + fragment.duration) + cto;
        if (fragment.sample_count == 0 || pts < fragment.earliest_presentation_time)
          fragment.earliest_presentation_time = pts;
        if (fragment.sample_count == 0) {
          const uint32_t flags = trun.has(T::kFirstSampleFlagsPresent) && i == 0 ? trun.first_sample_flags
                                 : trun.has(T::kSampleFlagsPresent)                ? entry.flags
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
            // In-band SPS/PPS ('avc3', 'hev1') update the tables before the slices using them.
            const bool h264 = track->codec == Codec::kH264;
            auto visit = [track, h264](ByteSpan nal, bool vcl) -> Result<size_t> {
              if (!vcl) {
                WEE_RETURN_IF_ERROR(h264 ? track->h264.ProcessNal(nal) : track->h265.ProcessNal(nal));
                return size_t(0);
              }
              return h264 ? track->h264.SliceHeaderSize(nal) : track->h265.SliceHeaderSize(nal);
            };
            // cbcs protects from the slice data on (23001-7 10.4.2); the others block-align.
            const bool align = options_.scheme != cenc::Scheme::kCbcs;
            Status s = NalSubsamples(data, h264 ? NalCodec::kH264 : NalCodec::kH265,
                                     track->nal_length_size, visit, align, &job.sample.subsamples);
            if (!s.ok()) return s.Within(trun_where + ": sample " + std::to_string(i));
          } else if (track->codec == Codec::kAv1) {
            const bool align = options_.scheme != cenc::Scheme::kCbcs;
            Status s = Av1Subsamples(data, &track->av1, align, &job.sample.subsamples);
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
      // Provisional data_offset: the moof's final layout fixes it (Encryptor::Process).
      slot.trun_payload = c.payload;
      slot.where = traf_where;
      Box provisional;
      WEE_RETURN_IF_ERROR(TrunWithDataOffset(c.payload, 0, traf_where, &provisional));
      traf.children.push_back(std::move(provisional));
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
                                  track->codec == Codec::kAv1 ||
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
