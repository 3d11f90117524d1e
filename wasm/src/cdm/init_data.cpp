#include "cdm/init_data.h"

#include <cstring>
#include <set>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "cdm/json_util.h"

namespace wee::cdm {

const uint8_t kCommonSystemId[16] = {0x10, 0x77, 0xef, 0xec, 0xc0, 0xb2, 0x4d, 0x02,
                                     0xac, 0xe3, 0x3c, 0x1e, 0x52, 0xe2, 0xfb, 0x4b};
const uint8_t kClearKeySystemId[16] = {0xe2, 0x71, 0x9d, 0x58, 0xa9, 0x85, 0xb3, 0xc9,
                                       0x78, 0x1a, 0xb0, 0x30, 0xaf, 0x78, 0xd3, 0x0e};

namespace {

// JSON member names of the KID-list documents.
const char kKidsTag[] = "kids";
const char kTypeTag[] = "type";

constexpr uint32_t kPsshFourCC = 0x70737368;  // 'pssh'
constexpr size_t kSystemIdSize = 16;
constexpr size_t kPsshKidSize = 16;

struct PsshBox {
  ByteSpan raw;             // the whole box, header included
  bool clear_key = false;   // v1 box of the Common or ClearKey SystemID
  std::vector<Bytes> kids;  // only collected for clear_key boxes
};

std::string FourCCText(uint32_t v) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    char c = char((v >> shift) & 0xff);
    s += (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  return s;
}

// One 'pssh' box (ISO/IEC 23001-7 section 8.1.2) at the reader's position. `where` prefixes
// errors.
Status ParsePssh(ByteReader& in, const std::string& where, PsshBox* box) {
  auto fail = [&](const std::string& m) { return InvalidArgument(where + ": " + m); };
  const uint8_t* start = in.current();
  uint32_t size32 = 0, type = 0;
  if (!in.ReadU32(&size32) || !in.ReadFourCC(&type))
    return fail("truncated box header (" + std::to_string(in.remaining()) + " bytes left)");
  if (type != kPsshFourCC)
    return fail("box type '" + FourCCText(type) + "' is not 'pssh'");
  uint64_t size = size32;
  size_t header = 8;
  if (size32 == 1) {  // 64-bit largesize follows
    if (!in.ReadU64(&size))
      return fail("truncated largesize");
    header = 16;
  } else if (size32 == 0) {  // the box extends to the end of the init data
    size = header + in.remaining();
  }
  const size_t kMinSize = header + 4 + kSystemIdSize + 4;  // + FullBox + SystemID + DataSize
  if (size < kMinSize) {
    return fail("box size " + std::to_string(size) + " is less than the minimum " +
                std::to_string(kMinSize));
  }
  if (size - header > in.remaining()) {
    return fail("box size " + std::to_string(size) + " exceeds the " +
                std::to_string(header + in.remaining()) + " bytes left");
  }
  ByteSpan body;
  if (!in.ReadSpan(size_t(size - header), &body))
    return fail("truncated body");
  box->raw = ByteSpan(start, size_t(size));

  ByteReader r(body);
  uint8_t version = 0;
  uint32_t flags = 0;
  ByteSpan system_id;
  if (!r.ReadU8(&version) || !r.ReadU24(&flags) || !r.ReadSpan(kSystemIdSize, &system_id))
    return fail("truncated");  // unreachable: kMinSize covers these
  if (version > 1)
    return fail("version " + std::to_string(version) + " is not 0 or 1");
  if (flags != 0)
    return fail("flags " + std::to_string(flags) + " are not 0");
  bool clear_key_system = ByteSpan(kCommonSystemId, kSystemIdSize) == system_id ||
                          ByteSpan(kClearKeySystemId, kSystemIdSize) == system_id;
  box->clear_key = clear_key_system && version == 1;
  if (version == 1) {
    uint32_t kid_count = 0;
    if (!r.ReadU32(&kid_count))
      return fail("truncated KID_count");
    uint64_t kid_bytes = uint64_t(kid_count) * kPsshKidSize;  // cannot overflow 64 bits
    if (kid_bytes > r.remaining()) {
      return fail("KID_count " + std::to_string(kid_count) + " needs " + std::to_string(kid_bytes) +
                  " bytes, the box has " + std::to_string(r.remaining()) + " left");
    }
    for (uint32_t i = 0; i < kid_count; ++i) {
      ByteSpan kid;
      if (!r.ReadSpan(kPsshKidSize, &kid))
        return fail("truncated KID");  // checked above
      if (box->clear_key) {
        if (box->kids.size() >= kMaxKeyIds)
          return fail("more than " + std::to_string(kMaxKeyIds) + " KIDs");
        box->kids.push_back(kid.ToBytes());
      }
    }
  }
  uint32_t data_size = 0;
  if (!r.ReadU32(&data_size))
    return fail("truncated DataSize");
  if (data_size != r.remaining()) {
    return fail("DataSize " + std::to_string(data_size) + " does not match the " +
                std::to_string(r.remaining()) + " bytes left in the box");
  }
  return Status::Ok();
}

Result<std::vector<PsshBox>> ParsePsshBoxes(ByteSpan data) {
  std::vector<PsshBox> boxes;
  size_t clear_key_kids = 0;
  ByteReader in(data);
  while (in.remaining() > 0) {
    std::string where =
        "cenc: pssh[" + std::to_string(boxes.size()) + "] (byte " + std::to_string(in.pos()) + ")";
    PsshBox box;
    WEE_RETURN_IF_ERROR(ParsePssh(in, where, &box));
    clear_key_kids += box.kids.size();
    if (clear_key_kids > kMaxKeyIds) {
      return InvalidArgument("cenc: more than " + std::to_string(kMaxKeyIds) + " Clear Key KIDs");
    }
    boxes.push_back(std::move(box));
  }
  return boxes;
}

// {"kids":[...]} in any of the KID-list documents. Count bounds are checked by the caller.
Result<std::vector<Bytes>> ParseKids(const Json& root,
                                     const std::string& what,
                                     size_t min_count,
                                     size_t max_count) {
  auto it = root.find(kKidsTag);
  if (it == root.end() || !it->is_array())
    return InvalidArgument(what + ": " + kKidsTag + ": missing or not an array");
  if (it->size() < min_count)
    return InvalidArgument(what + ": " + kKidsTag + ": empty");
  if (it->size() > max_count) {
    return InvalidArgument(what + ": " + kKidsTag + ": " + std::to_string(it->size()) +
                           " key IDs, at most " + std::to_string(max_count));
  }
  std::vector<Bytes> kids;
  for (size_t i = 0; i < it->size(); ++i) {
    std::string field = what + ": " + kKidsTag + "[" + std::to_string(i) + "]";
    auto kid = DecodeBase64UrlMember((*it)[i], field, kMinKeyIdSize, kMaxKeyIdSize);
    if (!kid.ok())
      return kid.status();
    kids.push_back(std::move(kid).value());
  }
  return kids;
}

Result<std::vector<Bytes>> ParseKeyIdsInitData(ByteSpan data) {
  auto root = ParseJsonObject(data, kMaxInitDataSize, "keyids");
  if (!root.ok())
    return root.status();
  // An empty list is valid (the format does not forbid it): Chromium's Clear Key then sends a
  // request for no key, {"kids":[],"type":...}.
  return ParseKids(root.value(), "keyids", 0, kMaxKeyIds);
}

std::string KidsArray(const std::vector<Bytes>& kids) {
  std::string out = std::string("\"") + kKidsTag + "\":[";
  for (size_t i = 0; i < kids.size(); ++i) {
    if (i)
      out += ',';
    out += '"' + Base64UrlEncode(kids[i]) + '"';
  }
  return out + "]";
}

Status CheckInitDataSize(ByteSpan data) {
  if (data.empty())
    return InvalidArgument("init data: empty");
  if (data.size > kMaxInitDataSize) {
    return InvalidArgument("init data: " + std::to_string(data.size) + " bytes exceeds the " +
                           std::to_string(kMaxInitDataSize) + "-byte limit");
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> SanitizeInitData(InitDataType type, ByteSpan init_data) {
  WEE_RETURN_IF_ERROR(CheckInitDataSize(init_data));
  switch (type) {
    case InitDataType::kCenc: {
      auto boxes = ParsePsshBoxes(init_data);
      if (!boxes.ok())
        return boxes.status();
      Bytes out;
      for (const PsshBox& box : boxes.value()) {
        if (box.clear_key && !box.kids.empty())
          out.insert(out.end(), box.raw.begin(), box.raw.end());
      }
      return out;
    }
    case InitDataType::kKeyIds: {
      auto kids = ParseKeyIdsInitData(init_data);
      if (!kids.ok())
        return kids.status();
      return ByteSpan("{" + KidsArray(kids.value()) + "}").ToBytes();
    }
    case InitDataType::kWebM:
      // The WebM format (EME registry "webm"): the init data is one KID.
      if (init_data.size > kMaxKeyIdSize) {
        return InvalidArgument("webm: init data is " + std::to_string(init_data.size) +
                               " bytes, a key ID is at most " + std::to_string(kMaxKeyIdSize));
      }
      return init_data.ToBytes();
  }
  return InvalidArgument("init data: unknown type");
}

Result<std::vector<Bytes>> ExtractKeyIds(InitDataType type, ByteSpan init_data) {
  auto sanitized = SanitizeInitData(type, init_data);
  if (!sanitized.ok())
    return sanitized.status();
  std::vector<Bytes> found;
  switch (type) {
    case InitDataType::kCenc: {
      auto boxes = ParsePsshBoxes(sanitized.value());
      if (!boxes.ok())
        return boxes.status();
      for (PsshBox& box : boxes.value())
        for (Bytes& kid : box.kids)
          found.push_back(std::move(kid));
      if (found.empty()) {
        return Unsupported(
            "cenc: no version 1 'pssh' box with KIDs for the Common (1077efec-...) or "
            "ClearKey (e2719d58-...) SystemID");
      }
      break;
    }
    case InitDataType::kKeyIds: {
      auto kids = ParseKeyIdsInitData(sanitized.value());
      if (!kids.ok())
        return kids.status();
      found = std::move(kids).value();
      break;
    }
    case InitDataType::kWebM:
      found.push_back(std::move(sanitized).value());
      break;
  }
  // The same KID in several boxes (a Common and a ClearKey 'pssh') is requested once.
  std::vector<Bytes> kids;
  std::set<Bytes> seen;
  for (Bytes& kid : found)
    if (seen.insert(kid).second)
      kids.push_back(std::move(kid));
  return kids;
}

Result<std::string> MakeLicenseRequest(const std::vector<Bytes>& kids, SessionType type) {
  if (kids.size() > kMaxKeyIds) {
    return InvalidArgument("license request: " + std::to_string(kids.size()) +
                           " key IDs, at most " + std::to_string(kMaxKeyIds));
  }
  for (size_t i = 0; i < kids.size(); ++i) {
    if (kids[i].size() < kMinKeyIdSize || kids[i].size() > kMaxKeyIdSize) {
      return InvalidArgument("license request: kids[" + std::to_string(i) +
                             "]: " + std::to_string(kids[i].size()) + " bytes, expected 1..512");
    }
  }
  // Members in Chromium's (alphabetical) order, no whitespace.
  return "{" + KidsArray(kids) + ",\"" + kTypeTag + "\":\"" + SessionTypeName(type) + "\"}";
}

std::string MakeLicenseRelease(const std::vector<Bytes>& kids) {
  return "{" + KidsArray(kids) + "}";
}

Result<std::vector<Bytes>> ParseLicenseReleaseAck(ByteSpan response, size_t max_kids) {
  const std::string what = "license release acknowledgement";
  auto root = ParseJsonObject(response, kMaxResponseSize, what);
  if (!root.ok())
    return root.status();
  return ParseKids(root.value(), what, 0, max_kids);
}

}  // namespace wee::cdm
