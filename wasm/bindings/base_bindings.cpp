// Exports of wasm/src/base.
#include "abi.h"
#include "base/encoding.h"

using namespace wee;

// A key or KID typed by a human -> raw bytes. expected_size 0 = any.
WEE_EXPORT int wee_decode_key_text(const char* text, size_t text_size, const char* what,
                                   size_t what_size, size_t expected_size) {
  auto r = DecodeKeyText(abi::Text(text, text_size), abi::Text(what, what_size), expected_size);
  if (!r.ok()) return abi::Return(r.status());
  return abi::ReturnBytes(std::move(r).value());
}
