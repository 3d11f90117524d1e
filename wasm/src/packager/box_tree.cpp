#include "packager/box_tree.h"

#include <algorithm>

#include "base/byte_reader.h"
#include "mp4/parser.h"

namespace wee::packager {
namespace {

constexpr FourCC kUuid = MakeFourCC("uuid");

bool IsContainer(FourCC type) {
  static constexpr FourCC kContainers[] = {
      MakeFourCC("moov"), MakeFourCC("trak"), MakeFourCC("mdia"), MakeFourCC("minf"),
      MakeFourCC("stbl"), MakeFourCC("mvex"), MakeFourCC("moof"), MakeFourCC("traf"),
      MakeFourCC("mfra")};
  return std::find(std::begin(kContainers), std::end(kContainers), type) !=
         std::end(kContainers);
}

Status ParseBoxesAt(ByteSpan data, uint64_t begin, uint64_t end, const std::string& path,
                    int depth, std::vector<Box>* out);

// Parses the box at `offset` of a region ending at `end`; *consumed is its size in the input
// (which Box::Size() may not reproduce: a 64-bit size field is rewritten as 32-bit).
Status ParseBoxAt(ByteSpan data, uint64_t offset, uint64_t end, const std::string& path,
                  int depth, Box* out, uint64_t* consumed) {
  if (depth > kMaxBoxDepth) {
    return LimitExceeded(path + ": boxes nested deeper than " + std::to_string(kMaxBoxDepth));
  }
  mp4::BoxHeader header;
  // The parent is complete, so a child that does not fit in it is corrupt, not incomplete.
  Status s = mp4::ReadBoxHeader(ByteSpan(data.data, size_t(end)), offset, /*at_end=*/true, &header);
  if (s.code() == Code::kNeedMoreData) {
    std::string where = path.empty() ? "" : path + ": ";
    if (end - offset < 8) {
      return Malformed(where + std::to_string(end - offset) +
                       " bytes at the end are too few for a box header");
    }
    return Malformed(where + mp4::FourCCString(LoadBE32(data.data + offset + 4)) + " at " +
                     std::to_string(offset) + " extends past the end of its parent");
  }
  if (!s.ok()) return path.empty() ? s : s.Within(path);

  Box box;
  box.type = header.type;
  box.usertype = header.usertype;
  const uint64_t payload_begin = header.offset + header.header_size;
  const uint64_t payload_end = header.offset + header.size;
  if (IsContainer(header.type)) {
    box.container = true;
    WEE_RETURN_IF_ERROR(ParseBoxesAt(data, payload_begin, payload_end,
                                     ChildPath(path, header.type), depth + 1, &box.children));
  } else {
    box.payload.assign(data.data + payload_begin, data.data + payload_end);
  }
  *out = std::move(box);
  *consumed = header.size;
  return Status::Ok();
}

Status ParseBoxesAt(ByteSpan data, uint64_t begin, uint64_t end, const std::string& path,
                    int depth, std::vector<Box>* out) {
  std::vector<Box> boxes;
  for (uint64_t pos = begin; pos < end;) {
    // Some writers pad a container with a few zero bytes (a QuickTime terminator): dropped.
    if (end - pos < 8 && std::all_of(data.data + pos, data.data + end, [](uint8_t b) { return b == 0; }))
      break;
    Box box;
    uint64_t consumed = 0;
    WEE_RETURN_IF_ERROR(ParseBoxAt(data, pos, end, path, depth, &box, &consumed));
    pos += consumed;
    boxes.push_back(std::move(box));
  }
  *out = std::move(boxes);
  return Status::Ok();
}

}  // namespace

Box Box::Leaf(FourCC type, Bytes payload) {
  Box box;
  box.type = type;
  box.payload = std::move(payload);
  return box;
}

Box Box::Container(FourCC type, std::vector<Box> children) {
  Box box;
  box.type = type;
  box.container = true;
  box.children = std::move(children);
  return box;
}

Box* Box::Child(FourCC child_type) {
  for (Box& c : children)
    if (c.type == child_type) return &c;
  return nullptr;
}

const Box* Box::Child(FourCC child_type) const {
  for (const Box& c : children)
    if (c.type == child_type) return &c;
  return nullptr;
}

std::vector<Box*> Box::Children(FourCC child_type) {
  std::vector<Box*> out;
  for (Box& c : children)
    if (c.type == child_type) out.push_back(&c);
  return out;
}

std::vector<const Box*> Box::Children(FourCC child_type) const {
  std::vector<const Box*> out;
  for (const Box& c : children)
    if (c.type == child_type) out.push_back(&c);
  return out;
}

uint64_t Box::Size() const {
  uint64_t body = payload.size();
  for (const Box& c : children) body += c.Size();
  uint64_t header = 8 + (type == kUuid ? 16 : 0);
  if (body + header > UINT32_MAX) header += 8;
  return header + body;
}

uint64_t Box::HeaderSize() const {
  uint64_t body = payload.size();
  for (const Box& c : children) body += c.Size();
  return Size() - body;
}

Status ParseBox(ByteSpan data, uint64_t offset, const std::string& path, Box* out) {
  uint64_t consumed = 0;
  return ParseBoxAt(data, offset, data.size, path, 0, out, &consumed);
}

Status ParseBoxes(ByteSpan data, const std::string& path, std::vector<Box>* out) {
  return ParseBoxesAt(data, 0, data.size, path, 0, out);
}

void WriteBox(const Box& box, ByteWriter* w) {
  const uint64_t size = box.Size();
  if (size > UINT32_MAX) {
    w->U32(1);
    w->U32(box.type);
    w->U64(size);
  } else {
    w->U32(uint32_t(size));
    w->U32(box.type);
  }
  if (box.type == kUuid) w->Append(ByteSpan(box.usertype.data(), box.usertype.size()));
  w->Append(box.payload);
  for (const Box& c : box.children) WriteBox(c, w);
}

Bytes WriteBox(const Box& box) {
  Bytes out;
  out.reserve(size_t(box.Size()));
  ByteWriter w(&out);
  WriteBox(box, &w);
  return out;
}

std::string ChildPath(const std::string& parent, FourCC type, size_t index) {
  std::string name = mp4::FourCCString(type);
  if (index > 0) name += "[" + std::to_string(index) + "]";
  return parent.empty() ? name : parent + "/" + name;
}

}  // namespace wee::packager
