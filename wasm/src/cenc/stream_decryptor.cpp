#include "cenc/stream_decryptor.h"

#include <algorithm>
#include <cstring>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "mp4/parser.h"

namespace wee::cenc {
namespace {

using mp4::FourCC;
using mp4::MakeFourCC;

constexpr FourCC kMoov = MakeFourCC("moov");
constexpr FourCC kMoof = MakeFourCC("moof");
constexpr FourCC kFree = MakeFourCC("free");

// Ranges come from the parser of these very bytes; the bound check only guards against misuse.
void Neutralise(const std::vector<mp4::BoxRange>& boxes, uint8_t* data, size_t size) {
  // The type sits at offset 4 whatever the size field's form; a uuid box's usertype simply
  // becomes part of the free box's payload.
  for (const mp4::BoxRange& box : boxes)
    if (box.offset + 8 <= size) StoreBE32(data + box.offset + 4, kFree);
}

mp4::Kid ToKid(ByteSpan kid) {
  mp4::Kid out{};
  std::memcpy(out.data(), kid.data, out.size());
  return out;
}

}  // namespace

void RewriteInitToClear(const mp4::InitSegment& init, uint8_t* data, size_t size) {
  for (const mp4::Track& track : init.tracks) {
    if (track.tenc.is_protected && track.original_format != 0 &&
        track.sample_entry_type_offset + 4 <= size)
      StoreBE32(data + track.sample_entry_type_offset, track.original_format);
  }
  Neutralise(init.to_neutralise, data, size);
}

Status StreamDecryptor::SetKey(ByteSpan kid, ByteSpan key) {
  if (kid.size != 16) return InvalidArgument("KID is " + std::to_string(kid.size) + " bytes, expected 16");
  auto content_key = ContentKey::Create(key);
  if (!content_key.ok()) return content_key.status();
  keys_.erase(ToKid(kid));
  keys_.emplace(ToKid(kid), std::move(content_key).value());
  return Status::Ok();
}

void StreamDecryptor::RemoveKey(ByteSpan kid) {
  if (kid.size == 16) keys_.erase(ToKid(kid));
}

void StreamDecryptor::Reset() {
  buffer_.clear();
  failed_ = false;
  pssh_reported_at_.reset();
}

Status StreamDecryptor::Push(ByteSpan bytes, Output* out) {
  if (failed_) return Status(Code::kInvalidState, "an earlier error stopped this stream; reset it first");
  if (bytes.size > kMaxBufferedBytes - buffer_.size())
    return LimitExceeded("more than " + std::to_string(kMaxBufferedBytes >> 20) +
                         " MiB buffered waiting for a box to complete");
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  return Process(/*at_end=*/false, out);
}

Status StreamDecryptor::Flush(Output* out) {
  if (failed_) return Status(Code::kInvalidState, "an earlier error stopped this stream; reset it first");
  return Process(/*at_end=*/true, out);
}

void StreamDecryptor::Emit(size_t end, Output* out) {
  out->clear.insert(out->clear.end(), buffer_.begin(), buffer_.begin() + end);
  buffer_.erase(buffer_.begin(), buffer_.begin() + end);
  emitted_ += end;
}

Status StreamDecryptor::Process(bool at_end, Output* out) {
  while (!buffer_.empty()) {
    mp4::BoxHeader header;
    Status status = mp4::ReadBoxHeader(ByteSpan(buffer_), 0, at_end, &header);
    if (status.code() == Code::kNeedMoreData) {
      if (!at_end) return Status::Ok();
      failed_ = true;
      return Malformed("the stream ends inside a box at byte " + std::to_string(emitted_) + ": " +
                       status.message());
    }
    if (!status.ok()) {
      failed_ = true;
      return status.Within("at byte " + std::to_string(emitted_));
    }
    if (header.type == kMoov) {
      status = ProcessInit(size_t(header.size), out);
      if (!status.ok()) {
        failed_ = true;
        return status.Within("moov at byte " + std::to_string(emitted_));
      }
      Emit(size_t(header.size), out);
    } else if (header.type == kMoof) {
      size_t consumed = 0;
      status = ProcessFragment(at_end, &consumed, out);
      if (status.code() == Code::kNeedMoreData) {
        if (!at_end) return Status::Ok();
        failed_ = true;
        return Malformed("the stream ends before the samples of the moof at byte " +
                         std::to_string(emitted_) + " are complete: " + status.message());
      }
      if (!status.ok()) {
        failed_ = true;
        return status.Within("moof at byte " + std::to_string(emitted_));
      }
      if (out->missing_key) return Status::Ok();  // resumes when the key arrives
      Emit(consumed, out);
    } else {
      Emit(size_t(header.size), out);  // ftyp, styp, sidx, mdat, emsg, free, ...
    }
  }
  return Status::Ok();
}

Status StreamDecryptor::ProcessInit(size_t moov_size, Output* out) {
  mp4::InitSegment init;
  WEE_RETURN_IF_ERROR(mp4::ParseInit(ByteSpan(buffer_.data(), moov_size), &init));
  InitInfo info;
  for (const mp4::Pssh& pssh : init.pssh) info.pssh.insert(info.pssh.end(), pssh.box.begin(), pssh.box.end());
  for (const mp4::Track& track : init.tracks) {
    if (!track.tenc.is_protected) continue;
    auto scheme = SchemeFromFourCC(track.scheme_type);
    if (!scheme.ok()) return Status(scheme.status()).Within("track " + std::to_string(track.track_id));
    if (std::find(info.default_kids.begin(), info.default_kids.end(), track.tenc.kid) ==
        info.default_kids.end())
      info.default_kids.push_back(track.tenc.kid);
  }
  RewriteInitToClear(init, buffer_.data(), moov_size);
  out->inits.push_back(std::move(info));
  init_ = std::move(init);
  return Status::Ok();
}

Status StreamDecryptor::ProcessFragment(bool at_end, size_t* consumed, Output* out) {
  if (!init_) return Malformed("a fragment arrived before any init segment (moov)");
  mp4::Fragment fragment;
  WEE_RETURN_IF_ERROR(mp4::ParseFragment(ByteSpan(buffer_), 0, *init_, &fragment));
  // Before any key check: the new keys a rotating stream needs are named here.
  if (!fragment.pssh.empty() && pssh_reported_at_ != emitted_) {
    Bytes init_data;
    for (const mp4::Pssh& pssh : fragment.pssh) init_data.insert(init_data.end(), pssh.box.begin(), pssh.box.end());
    out->moof_pssh.push_back(std::move(init_data));
    pssh_reported_at_ = emitted_;
  }

  // Emit whole top-level boxes: everything up to the box holding the last sample byte.
  size_t end = size_t(fragment.moof.size);
  while (end < fragment.data_end) {
    mp4::BoxHeader next;
    WEE_RETURN_IF_ERROR(mp4::ReadBoxHeader(ByteSpan(buffer_), end, at_end, &next));
    end += size_t(next.size);
  }

  // Every key first: a fragment is decrypted whole or not at all.
  for (const mp4::TrackFragment& traf : fragment.trafs) {
    for (const mp4::Sample& sample : traf.samples) {
      if (sample.is_protected && keys_.find(sample.kid) == keys_.end()) {
        out->missing_key = sample.kid;
        return Status::Ok();
      }
    }
  }
  for (const mp4::TrackFragment& traf : fragment.trafs) {
    const mp4::Track* track = init_->FindTrack(traf.track_id);
    if (!track) return Malformed("traf: track_ID " + std::to_string(traf.track_id) + " is not in the init segment");
    size_t index = 0;
    for (const mp4::Sample& sample : traf.samples) {
      ++index;
      if (!sample.is_protected) continue;
      auto scheme = SchemeFromFourCC(track->scheme_type);
      if (!scheme.ok()) return scheme.status();
      uint64_t sample_end;
      if (!CheckedAdd<uint64_t>(sample.data_offset, sample.size, &sample_end) || sample_end > end)
        return Malformed("track " + std::to_string(traf.track_id) + " sample " + std::to_string(index) +
                         " lies outside the fragment's data");
      Status status = DecryptSample(*scheme, keys_.at(sample.kid), sample,
                                    buffer_.data() + sample.data_offset, sample.size);
      if (!status.ok())
        return status.Within("track " + std::to_string(traf.track_id) + " sample " + std::to_string(index));
    }
  }
  Neutralise(fragment.to_neutralise, buffer_.data(), end);
  *consumed = end;
  return Status::Ok();
}

}  // namespace wee::cenc
