// An editable in-memory tree of ISO-BMFF boxes (ISO/IEC 14496-12), for the packager's rewrites:
// parse a 'moov' or 'moof', rename, insert and replace boxes, write it back with fresh sizes.
//
// Only the containers the packager edits are descended into (moov, trak, mdia, minf, stbl, mvex,
// moof, traf, mfra); every other box is a leaf that keeps its payload bytes untouched, so
// whatever the packager does not understand passes through unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/byte_writer.h"
#include "base/bytes.h"
#include "base/status.h"
#include "mp4/model.h"

namespace wee::packager {

using mp4::FourCC;
using mp4::MakeFourCC;

struct Box {
  FourCC type = 0;
  std::array<uint8_t, 16> usertype{};  // 'uuid' boxes only
  bool container = false;
  // Leaf: the whole payload. Container: the bytes before the children (empty for plain
  // containers; a sample entry's fixed fields, for example).
  Bytes payload;
  std::vector<Box> children;

  static Box Leaf(FourCC type, Bytes payload);
  static Box Container(FourCC type, std::vector<Box> children = {});

  // The first child of `type` (nullptr if none), and all of them.
  Box* Child(FourCC child_type);
  const Box* Child(FourCC child_type) const;
  std::vector<Box*> Children(FourCC child_type);
  std::vector<const Box*> Children(FourCC child_type) const;

  // Header + payload + children, with a 64-bit size field only when 32 bits cannot hold it.
  uint64_t Size() const;
  // 8, 16 with a 64-bit size, +16 for 'uuid': where the payload starts.
  uint64_t HeaderSize() const;
};

// Nesting bound for hostile input: real files nest the boxes parsed here at most 5 deep.
constexpr int kMaxBoxDepth = 16;

// Parses the box that starts at data[offset] and lies entirely within `data`. `path` names
// its parent in errors ("moov/trak[2]"). Sizes are checked against the parent; a container's
// payload must be filled exactly by its children.
[[nodiscard]] Status ParseBox(ByteSpan data, uint64_t offset, const std::string& path, Box* out);

// Parses `data` as a sequence of sibling boxes (a container's payload, or a sample entry's
// child boxes after its fixed fields).
[[nodiscard]] Status ParseBoxes(ByteSpan data, const std::string& path, std::vector<Box>* out);

void WriteBox(const Box& box, ByteWriter* w);
Bytes WriteBox(const Box& box);

// "moov/trak[2]" style child names for error messages: "trak[2]" when index > 0.
std::string ChildPath(const std::string& parent, FourCC type, size_t index = 0);

}  // namespace wee::packager
