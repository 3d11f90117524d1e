// The C ABI between the wasm module and js/src/core/module.js.
//
// Every exported function returns a wee::Code as int (0 = ok). On failure the message is
// available from wee_error_message(). A function that produces bytes or text leaves them in
// the module's result buffer (wee_result_data/wee_result_size), valid until the next call.
// Inputs are (pointer, size) pairs the caller allocated with malloc and frees itself.
// The hot path is the exception: a stream push leaves its results in the stream's own
// PushResult (decrypt_bindings.cpp), which JS reads from the heap, so one call suffices.
#pragma once

#include <emscripten/emscripten.h>

#include <string>

#include "base/bytes.h"
#include "base/status.h"

#define WEE_EXPORT extern "C" EMSCRIPTEN_KEEPALIVE

namespace wee::abi {

// Records the status as the last error (or clears it) and returns its code.
int Return(const Status& status);
// Stores bytes/text as the result and returns 0.
int ReturnBytes(Bytes bytes);
int ReturnText(const std::string& text);

inline ByteSpan Span(const uint8_t* data, size_t size) { return ByteSpan(data, size); }
inline std::string Text(const char* data, size_t size) { return std::string(data, size); }

}  // namespace wee::abi
