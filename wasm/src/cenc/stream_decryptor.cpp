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
  begin_ = 0;
  wanted_ = 0;
  failed_ = false;
  pssh_reported_at_.reset();
  plan_.Clear();
  plan_kids_.clear();
  pad_blocks_.clear();
  plan_data_ = nullptr;
}

// Starts a call: the previous output (and its plan) expire, emitted bytes leave the buffer.
Status StreamDecryptor::Begin(Output* out) {
  if (failed_) return Status(Code::kInvalidState, "an earlier error stopped this stream; reset it first");
  plan_.Clear();
  plan_kids_.clear();
  pad_blocks_.clear();
  plan_data_ = nullptr;
  if (begin_ == buffer_.size()) {
    buffer_.clear();
  } else if (begin_ > 0) {
    // Only what a call left unfinished moves, once per call: linear in the input.
    bytes_buffered_ += buffer_.size() - begin_;
    buffer_.erase(buffer_.begin(), buffer_.begin() + begin_);
  }
  begin_ = 0;
  out->clear = ByteSpan();
  return Status::Ok();
}

void StreamDecryptor::Finish(uint8_t* data, size_t consumed, Output* out) {
  out->clear = ByteSpan(data, consumed);
  plan_data_ = data;
  emitted_ += consumed;
}

Status StreamDecryptor::Push(ByteSpan bytes, Output* out) {
  WEE_RETURN_IF_ERROR(Begin(out));
  if (bytes.size > kMaxBufferedBytes - buffer_.size())
    return LimitExceeded("more than " + std::to_string(kMaxBufferedBytes >> 20) +
                         " MiB buffered waiting for a box to complete");
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  bytes_buffered_ += bytes.size;
  if (buffer_.size() < wanted_) return Status::Ok();
  size_t consumed = 0;
  Status status = Process(buffer_.data(), buffer_.size(), /*at_end=*/false, &consumed, out);
  Finish(buffer_.data(), consumed, out);
  begin_ = consumed;
  return status;
}

Status StreamDecryptor::PushInPlace(uint8_t* data, size_t size, Output* out) {
  if (!buffer_.empty() && begin_ != buffer_.size()) return Push(ByteSpan(data, size), out);
  WEE_RETURN_IF_ERROR(Begin(out));
  size_t consumed = 0;
  Status status = Process(data, size, /*at_end=*/false, &consumed, out);
  Finish(data, consumed, out);
  if (!status.ok()) return status;
  const size_t tail = size - consumed;
  if (tail > kMaxBufferedBytes) {
    failed_ = true;
    return LimitExceeded("more than " + std::to_string(kMaxBufferedBytes >> 20) +
                         " MiB buffered waiting for a box to complete");
  }
  buffer_.assign(data + consumed, data + size);
  bytes_buffered_ += tail;
  return Status::Ok();
}

Status StreamDecryptor::Flush(Output* out) {
  WEE_RETURN_IF_ERROR(Begin(out));
  size_t consumed = 0;
  Status status = Process(buffer_.data(), buffer_.size(), /*at_end=*/true, &consumed, out);
  Finish(buffer_.data(), consumed, out);
  begin_ = consumed;
  return status;
}

Status StreamDecryptor::Process(uint8_t* data, size_t size, bool at_end, size_t* consumed,
                                Output* out) {
  size_t pos = 0;
  *consumed = 0;
  wanted_ = 0;  // set again if a moof is still waiting for its samples
  while (pos < size) {
    const uint64_t at = emitted_ + pos;
    const ByteSpan rest(data + pos, size - pos);
    mp4::BoxHeader header;
    Status status = mp4::ReadBoxHeader(rest, 0, at_end, &header);
    if (status.code() == Code::kNeedMoreData) {
      if (!at_end) break;
      failed_ = true;
      return Malformed("the stream ends inside a box at byte " + std::to_string(at) + ": " +
                       status.message());
    }
    if (!status.ok()) {
      failed_ = true;
      return status.Within("at byte " + std::to_string(at));
    }
    size_t unit = size_t(header.size);
    if (header.type == kMoov || header.type == kMoof) bytes_parsed_ += unit;
    if (header.type == kMoov) {
      status = ProcessInit(data + pos, unit, out);
      if (!status.ok()) {
        failed_ = true;
        return status.Within("moov at byte " + std::to_string(at));
      }
    } else if (header.type == kMoof) {
      status = ProcessFragment(data + pos, size - pos, pos, at_end, &unit, out);
      if (status.code() == Code::kNeedMoreData) {
        if (!at_end) break;
        failed_ = true;
        return Malformed("the stream ends before the samples of the moof at byte " +
                         std::to_string(at) + " are complete: " + status.message());
      }
      if (!status.ok()) {
        failed_ = true;
        return status.Within("moof at byte " + std::to_string(at));
      }
      if (out->missing_key) break;  // resumes when the key arrives
    }
    // ftyp, styp, sidx, mdat, emsg, free, ... pass as they are.
    pos += unit;
    *consumed = pos;
  }
  return Status::Ok();
}

Status StreamDecryptor::ProcessInit(uint8_t* data, size_t moov_size, Output* out) {
  mp4::InitSegment init;
  WEE_RETURN_IF_ERROR(mp4::ParseInit(ByteSpan(data, moov_size), &init));
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
  RewriteInitToClear(init, data, moov_size);
  out->inits.push_back(std::move(info));
  init_ = std::move(init);
  return Status::Ok();
}

Status StreamDecryptor::ProcessFragment(uint8_t* data, size_t size, size_t out_offset, bool at_end,
                                        size_t* consumed, Output* out) {
  if (!init_) return Malformed("a fragment arrived before any init segment (moov)");
  const ByteSpan bytes(data, size);
  mp4::Fragment fragment;
  // The moof is at stream position emitted_ + out_offset (nothing before it is held).
  std::optional<uint64_t> position;
  if (options_.file_positions) position = emitted_ + out_offset;
  WEE_RETURN_IF_ERROR(mp4::ParseFragment(bytes, 0, *init_, &fragment, position));
  // Before any key check: the new keys a rotating stream needs are named here.
  if (!fragment.pssh.empty() && pssh_reported_at_ != emitted_ + out_offset) {
    Bytes init_data;
    for (const mp4::Pssh& pssh : fragment.pssh) init_data.insert(init_data.end(), pssh.box.begin(), pssh.box.end());
    out->moof_pssh.push_back(std::move(init_data));
    pssh_reported_at_ = emitted_ + out_offset;
  }

  // Emit whole top-level boxes: everything up to the box holding the last sample byte.
  size_t end = size_t(fragment.moof.size);
  while (end < fragment.data_end) {
    mp4::BoxHeader next;
    Status status = mp4::ReadBoxHeader(bytes, end, at_end, &next);
    if (status.code() == Code::kNeedMoreData) {
      // Nothing to do before the samples are all here (and the box holding the last one).
      wanted_ = size_t(std::max<uint64_t>(fragment.data_end, uint64_t(size) + 1));
      return status;
    }
    WEE_RETURN_IF_ERROR(status);
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

  // Plan every sample, then neutralise the boxes, then run (here, or later outside).
  const size_t first_chain = plan_.chains.size(), first_run = plan_.runs.size();
  auto rollback = [&](Status status) {
    plan_.chains.resize(first_chain);
    plan_.runs.resize(first_run);
    return status;
  };
  for (const mp4::TrackFragment& traf : fragment.trafs) {
    const mp4::Track* track = init_->FindTrack(traf.track_id);
    if (!track) return rollback(Malformed("traf: track_ID " + std::to_string(traf.track_id) + " is not in the init segment"));
    size_t index = 0;
    for (const mp4::Sample& sample : traf.samples) {
      ++index;
      if (!sample.is_protected) continue;
      auto scheme = SchemeFromFourCC(track->scheme_type);
      if (!scheme.ok()) return rollback(scheme.status());
      uint64_t sample_end;
      if (!CheckedAdd<uint64_t>(sample.data_offset, sample.size, &sample_end) || sample_end > end)
        return rollback(Malformed("track " + std::to_string(traf.track_id) + " sample " +
                                  std::to_string(index) + " lies outside the fragment's data"));
      const size_t chains_before = plan_.chains.size();
      Status status = PlanSample(*scheme, sample, sample.size, out_offset + sample.data_offset, &plan_);
      if (!status.ok())
        return rollback(status.Within("track " + std::to_string(traf.track_id) + " sample " + std::to_string(index)));
      auto kid = std::find(plan_kids_.begin(), plan_kids_.end(), sample.kid);
      if (kid == plan_kids_.end()) kid = plan_kids_.insert(kid, sample.kid);
      for (size_t c = chains_before; c < plan_.chains.size(); ++c)
        plan_.chains[c].key_index = uint32_t(kid - plan_kids_.begin());
    }
  }
  Neutralise(fragment.to_neutralise, data, end);

  uint8_t* const output = data - out_offset;
  if (options_.defer_crypto && options_.cbc_pad_blocks) {
    for (size_t c = first_chain; c < plan_.chains.size(); ++c) {
      const CipherChain& chain = plan_.chains[c];
      uint8_t block[kAesBlockSize] = {};
      if (chain.mode == ChainMode::kCbc) {
        // E(C_last xor padding) decrypts, after C_last, to sixteen bytes of 0x10.
        const CipherRun& last = plan_.runs[chain.first_run + chain.run_count - 1];
        const uint8_t* c_last = output + last.offset + last.size - kAesBlockSize;
        for (size_t i = 0; i < kAesBlockSize; ++i) block[i] = uint8_t(c_last[i] ^ kAesBlockSize);
        keys_.at(plan_kids_[chain.key_index]).encryptor().EncryptBlock(block, block);
      }
      pad_blocks_.insert(pad_blocks_.end(), block, block + kAesBlockSize);
    }
  }
  if (!options_.defer_crypto) {
    for (size_t c = first_chain; c < plan_.chains.size(); ++c)
      RunChain(Direction::kDecrypt, keys_.at(plan_kids_[plan_.chains[c].key_index]), plan_,
               plan_.chains[c], output);
    rollback(Status::Ok());
  }
  *consumed = end;
  return Status::Ok();
}

Status StreamDecryptor::RunChains(size_t first, size_t count) {
  if (first > plan_.chains.size() || count > plan_.chains.size() - first)
    return InvalidArgument("chains " + std::to_string(first) + "+" + std::to_string(count) +
                           " are outside the plan of " + std::to_string(plan_.chains.size()));
  for (size_t c = first; c < first + count; ++c) {
    const CipherChain& chain = plan_.chains[c];
    auto key = keys_.find(plan_kids_[chain.key_index]);
    if (key == keys_.end())
      return Status(Code::kKeyMissing, "the key of chain " + std::to_string(c) + " was removed");
    RunChain(Direction::kDecrypt, key->second, plan_, chain, plan_data_);
  }
  return Status::Ok();
}

}  // namespace wee::cenc
