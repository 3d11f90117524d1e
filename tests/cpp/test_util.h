// Helpers shared by the unit tests.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include "base/bytes.h"
#include "base/encoding.h"

namespace wee::test {

inline Bytes Hex(const std::string& hex) {
  Bytes out;
  if (!HexDecode(hex, &out)) throw std::runtime_error("bad hex in test: " + hex);
  return out;
}

inline std::string ToHex(ByteSpan b) { return HexEncode(b); }

// Reads a file of ../shared/testdata (path relative to it).
inline Bytes ReadTestData(const std::string& relative) {
  std::ifstream f(std::string(WEE_TESTDATA_DIR) + "/" + relative, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open test data " + relative);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace wee::test
