#include "packager/subsamples.h"

#include <string>

#include "crypto/aes.h"

namespace wee::packager {
namespace {

constexpr uint64_t kMaxClearBytes = 0xffff;  // BytesOfClearData is unsigned int(16)

bool IsVcl(NalCodec codec, const uint8_t* nal) {
  if (codec == NalCodec::kH264) {
    const int type = nal[0] & 0x1f;
    return type >= 1 && type <= 5;  // coded slices (14496-10 table 7-1)
  }
  const int type = (nal[0] >> 1) & 0x3f;
  return type <= 31;  // VCL NAL unit types 0..31 (23008-2 table 7-1)
}

}  // namespace

void SubsampleBuilder::Add(uint64_t clear_bytes, uint64_t protected_bytes) {
  if (align_) {
    const uint64_t partial = protected_bytes % kAesBlockSize;
    clear_bytes += partial;
    protected_bytes -= partial;
  } else if (protected_bytes < kAesBlockSize) {
    // Less than a block is never encrypted (9.6.1): keep the layout simple, all clear.
    clear_bytes += protected_bytes;
    protected_bytes = 0;
  }
  pending_clear_ += clear_bytes;
  if (protected_bytes == 0) return;
  Push(pending_clear_, protected_bytes);
  pending_clear_ = 0;
}

void SubsampleBuilder::AddExact(uint64_t clear_bytes, uint64_t protected_bytes) {
  Push(pending_clear_ + clear_bytes, protected_bytes);
  pending_clear_ = 0;
}

void SubsampleBuilder::Finish() {
  if (pending_clear_ > 0) Push(pending_clear_, 0);
  pending_clear_ = 0;
}

void SubsampleBuilder::Push(uint64_t clear_bytes, uint64_t protected_bytes) {
  while (clear_bytes > kMaxClearBytes) {
    out_->push_back({uint32_t(kMaxClearBytes), 0});
    clear_bytes -= kMaxClearBytes;
  }
  out_->push_back({uint32_t(clear_bytes), uint32_t(protected_bytes)});
}

Status NalSubsamples(ByteSpan sample, NalCodec codec, uint8_t length_size,
                     const NalVisitor& visit, bool align, std::vector<mp4::Subsample>* out) {
  if (length_size < 1 || length_size > 4 || length_size == 3) {
    return Malformed("NAL unit length size " + std::to_string(length_size) +
                     " is not 1, 2 or 4");
  }
  const size_t nal_header_size = codec == NalCodec::kH264 ? 1 : 2;
  std::vector<mp4::Subsample> subsamples;
  SubsampleBuilder builder(align, &subsamples);
  for (size_t pos = 0; pos < sample.size;) {
    if (sample.size - pos < length_size) {
      return Malformed("NAL unit at byte " + std::to_string(pos) + ": " +
                       std::to_string(sample.size - pos) + " bytes left for a " +
                       std::to_string(length_size) + "-byte length");
    }
    uint64_t nal_size = 0;
    for (size_t i = 0; i < length_size; ++i) nal_size = (nal_size << 8) | sample[pos + i];
    if (nal_size > sample.size - pos - length_size) {
      return Malformed("NAL unit at byte " + std::to_string(pos) + ": length " +
                       std::to_string(nal_size) + " runs past the sample's end (" +
                       std::to_string(sample.size) + " bytes)");
    }
    const ByteSpan nal(sample.data + pos + length_size, size_t(nal_size));
    const bool vcl = nal_size > nal_header_size && IsVcl(codec, nal.data);
    size_t header = 0;
    if (visit && nal_size > 0) {
      Result<size_t> measured = visit(nal, vcl);
      if (!measured.ok()) {
        Status s = measured.status();
        return s.Within("NAL unit at byte " + std::to_string(pos));
      }
      header = *measured;
    }
    uint64_t clear = length_size + nal_size;
    if (vcl) clear = std::min<uint64_t>(clear, length_size + nal_header_size + header);
    builder.Add(clear, length_size + nal_size - clear);
    pos += length_size + size_t(nal_size);
  }
  builder.Finish();
  *out = std::move(subsamples);
  return Status::Ok();
}

Status Av1Subsamples(ByteSpan sample, Av1Parser* parser, bool align,
                     std::vector<mp4::Subsample>* out) {
  std::vector<Av1Parser::Tile> tiles;
  WEE_RETURN_IF_ERROR(parser->ParseSample(sample, &tiles));
  std::vector<mp4::Subsample> subsamples;
  SubsampleBuilder builder(align, &subsamples);
  size_t pos = 0;
  for (const Av1Parser::Tile& tile : tiles) {
    if (align) builder.Add(tile.offset - pos, tile.size);
    else builder.AddExact(tile.offset - pos, tile.size);
    pos = tile.offset + tile.size;
  }
  builder.Add(sample.size - pos, 0);
  builder.Finish();
  *out = std::move(subsamples);
  return Status::Ok();
}

std::vector<mp4::Subsample> BlockAlignedSubsamples(size_t sample_size) {
  const size_t partial = sample_size % kAesBlockSize;
  return {{uint32_t(partial), uint32_t(sample_size - partial)}};
}

}  // namespace wee::packager
