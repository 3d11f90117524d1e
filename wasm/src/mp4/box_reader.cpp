#include "mp4/box_reader.h"

#include <string>

namespace wee::mp4 {
namespace {

constexpr FourCC kUuid = MakeFourCC("uuid");

std::string At(FourCC type, uint64_t offset) {
  return FourCCString(type) + " at " + std::to_string(offset);
}

}  // namespace

std::string Box::name() const { return FourCCString(header.type); }

Status ReadBoxHeader(ByteSpan data, uint64_t offset, bool at_end, BoxHeader* out) {
  if (offset > data.size || data.size - offset < 8) {
    return NeedMoreData("box header at " + std::to_string(offset) + " is not complete");
  }
  ByteReader r(data.data + offset, data.size - offset);
  uint32_t size32 = 0;
  BoxHeader h;
  h.offset = offset;
  h.header_size = 8;
  if (!r.ReadU32(&size32) || !r.ReadFourCC(&h.type)) return NeedMoreData("box header");
  h.size = size32;
  if (size32 == 1) {
    if (!r.ReadU64(&h.size)) {
      return NeedMoreData(At(h.type, offset) + ": 64-bit size is not complete");
    }
    h.header_size = 16;
  }
  if (h.type == kUuid) {
    if (!r.HasBytes(16)) return NeedMoreData(At(h.type, offset) + ": usertype is not complete");
    for (auto& b : h.usertype) (void)r.ReadU8(&b);
    h.header_size += 16;
  }
  if (size32 == 0) {
    // 14496-12 4.2: size 0 means the box extends to the end of the file.
    if (!at_end) return NeedMoreData(At(h.type, offset) + ": size 0 extends to the end of input");
    h.size = data.size - offset;
  }
  if (h.size < h.header_size) {
    return Malformed(At(h.type, offset) + ": size " + std::to_string(h.size) +
                     " is smaller than its " + std::to_string(h.header_size) + "-byte header");
  }
  uint64_t end = 0;
  if (h.size > kMaxBoxSize || !CheckedAdd<uint64_t>(offset, h.size, &end)) {
    return Malformed(At(h.type, offset) + ": size " + std::to_string(h.size) +
                     " is beyond any real file (limit 2^53)");
  }
  if (end > data.size) {
    return NeedMoreData(At(h.type, offset) + ": " + std::to_string(h.size) + "-byte box has " +
                        std::to_string(data.size - offset) + " bytes in the buffer");
  }
  *out = h;
  return Status::Ok();
}

Box MakeBox(ByteSpan data, const BoxHeader& header) {
  Box b;
  b.header = header;
  b.payload_offset = header.offset + header.header_size;
  b.payload = data.sub(size_t(b.payload_offset), size_t(header.size - header.header_size));
  return b;
}

bool ChildIterator::done() const {
  if (pos_ >= end_) return true;
  if (end_ - pos_ >= 8) return false;
  for (uint64_t i = pos_; i < end_; ++i)
    if (data_.data[i] != 0) return false;
  return true;
}

Status ChildIterator::Next(Box* out) {
  // Size 0 means "to the end of the file" (14496-12 4.2), which only a top-level box can be.
  if (end_ - pos_ >= 8 && LoadBE32(data_.data + pos_) == 0) {
    return BoxError(path_, At(LoadBE32(data_.data + pos_ + 4), pos_) +
                               ": size 0 (to the end of the file) inside a box");
  }
  BoxHeader h;
  // The region ends at end_: a child running past it is corrupt, not waiting for more data.
  Status s = ReadBoxHeader(ByteSpan(data_.data, size_t(end_)), pos_, /*at_end=*/true, &h);
  if (s.code() == Code::kNeedMoreData) {
    if (end_ - pos_ < 8) {
      return BoxError(path_, std::to_string(end_ - pos_) + " stray bytes at " +
                                 std::to_string(pos_) + " are too few for a box header");
    }
    uint32_t type = LoadBE32(data_.data + pos_ + 4);
    return BoxError(
        path_, At(type, pos_) + ": box extends past its parent's end at " + std::to_string(end_));
  }
  if (!s.ok()) return s.Within(path_);
  *out = MakeBox(data_, h);
  pos_ += h.size;
  return Status::Ok();
}

bool ReadFullBoxHeader(ByteReader* r, uint8_t* version, uint32_t* flags) {
  return r->ReadU8(version) && r->ReadU24(flags);
}

}  // namespace wee::mp4
