#include "abi.h"

namespace wee::abi {

std::string g_error;
Bytes g_result;

int Return(const Status& status) {
  g_error = status.ok() ? std::string() : status.message();
  return int(status.code());
}

int ReturnBytes(Bytes bytes) {
  // The previous result may have held key material.
  SecureZero(g_result.data(), g_result.size());
  g_result = std::move(bytes);
  g_error.clear();
  return 0;
}

int ReturnText(const std::string& text) { return ReturnBytes(Bytes(text.begin(), text.end())); }

}  // namespace wee::abi

WEE_EXPORT const char* wee_error_message() { return wee::abi::g_error.c_str(); }
WEE_EXPORT const uint8_t* wee_result_data() { return wee::abi::g_result.data(); }
WEE_EXPORT size_t wee_result_size() { return wee::abi::g_result.size(); }
WEE_EXPORT void wee_result_clear() { (void)wee::abi::ReturnBytes({}); }
