// Internal to wasm/src/mp4: a complete box in memory and the iteration over its children.
#pragma once

#include <string>
#include <utility>

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "base/status.h"
#include "mp4/model.h"
#include "mp4/parser.h"

namespace wee::mp4 {

// A box whose whole extent is in the buffer.
struct Box {
  BoxHeader header;
  ByteSpan payload;             // the bytes after the header
  uint64_t payload_offset = 0;  // absolute position of payload.data
  FourCC type() const { return header.type; }
  BoxRange range() const { return BoxRange{header.type, header.offset, header.size}; }
  std::string name() const;  // "tenc", or "uuid" for uuid boxes
};

// Iterates over the boxes that fill a parent's payload (or a whole buffer region). A child
// that does not fit in its parent is kMalformed: the parent is complete, so the bytes are wrong.
class ChildIterator {
 public:
  // `data` is the whole buffer (for absolute offsets); children span [begin, end) of it;
  // `path` names the parent in error messages ("moov/trak[1]").
  ChildIterator(ByteSpan data, uint64_t begin, uint64_t end, std::string path)
      : data_(data), pos_(begin), end_(end), path_(std::move(path)) {}
  ChildIterator(ByteSpan data, const Box& parent, std::string path)
      : ChildIterator(data, parent.payload_offset, parent.payload_offset + parent.payload.size,
                      std::move(path)) {}

  // Also true when only 1-7 zero bytes remain: some writers end containers with a 32-bit zero
  // (the QuickTime terminator); that is not a box and does no harm.
  bool done() const;
  // Reads the next child; call only while !done().
  [[nodiscard]] Status Next(Box* out);

 private:
  ByteSpan data_;
  uint64_t pos_;
  uint64_t end_;
  std::string path_;
};

// Reads the version and flags of a FullBox (14496-12 4.2).
[[nodiscard]] bool ReadFullBoxHeader(ByteReader* r, uint8_t* version, uint32_t* flags);

// Makes a Box from a header whose extent is known to be within `data`.
Box MakeBox(ByteSpan data, const BoxHeader& header);

// Error messages start with the path of the box at fault: "moof/traf[1]/trun[2]: ...".
inline Status BoxError(const std::string& path, const std::string& what) {
  return Malformed(path + ": " + what);
}
// A read that ran past the end of the box.
inline Status Truncated(const std::string& path, const std::string& field) {
  return Malformed(path + ": box too short for " + field);
}
inline Status BadVersion(const std::string& path, unsigned version, unsigned max) {
  return Unsupported(path + ": version " + std::to_string(version) + " (known: 0.." +
                     std::to_string(max) + ")");
}
// "N needs more bytes than the box holds": a count from the file checked before allocating.
inline Status CountTooLarge(const std::string& path, const std::string& field, uint64_t count) {
  return Malformed(path + ": " + field + " " + std::to_string(count) +
                   " needs more bytes than the box holds");
}

}  // namespace wee::mp4
