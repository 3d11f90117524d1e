#include "cdm/cdm_types.h"

namespace wee::cdm {
namespace {

const char kTemporary[] = "temporary";
const char kPersistentLicense[] = "persistent-license";
const char kCenc[] = "cenc";
const char kKeyIds[] = "keyids";
const char kWebM[] = "webm";

}  // namespace

const char* SessionTypeName(SessionType type) {
  return type == SessionType::kTemporary ? kTemporary : kPersistentLicense;
}

Result<SessionType> ParseSessionType(const std::string& name) {
  if (name == kTemporary)
    return SessionType::kTemporary;
  if (name == kPersistentLicense)
    return SessionType::kPersistentLicense;
  return Unsupported("session type '" + Excerpt(name) + "' is not supported by Clear Key");
}

const char* InitDataTypeName(InitDataType type) {
  switch (type) {
    case InitDataType::kCenc:
      return kCenc;
    case InitDataType::kKeyIds:
      return kKeyIds;
    case InitDataType::kWebM:
      return kWebM;
  }
  return "";
}

Result<InitDataType> ParseInitDataType(const std::string& name) {
  if (name == kCenc)
    return InitDataType::kCenc;
  if (name == kKeyIds)
    return InitDataType::kKeyIds;
  if (name == kWebM)
    return InitDataType::kWebM;
  return Unsupported("init data type '" + Excerpt(name) + "' is not supported by Clear Key");
}

std::string Excerpt(const std::string& text) {
  constexpr size_t kMax = 40;
  std::string out = text.substr(0, kMax);
  for (char& c : out)
    if (c < 0x20 || c > 0x7e)
      c = '?';
  if (text.size() > kMax)
    out += "...";
  return out;
}

}  // namespace wee::cdm
