// Fuzzes the license template engine end to end: any configuration form is parsed, its
// canonical JSON must parse back to itself, and the request and response sides run on it.
// Property: a configuration that parses can be applied. With every value given (challenge,
// session ID, 16-byte KID, PSSH, a default URL) the request wraps, from the parsed
// configuration and from its JSON form (what JavaScript applies) alike.
// Input: one mode byte, then "<configuration>\n<response body>".
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "license/exchange.h"

using namespace wee;
using namespace wee::license;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t newline = input.find('\n');
  const std::string config_text = input.substr(0, newline);
  const std::string response = newline == std::string::npos ? "" : input.substr(newline + 1);

  auto config = ParseAnyConfig(config_text, (mode & 0x80) ? "org.w3.clearkey" : "");
  if (!config.ok()) return 0;

  // The JSON form is the contract with JavaScript: it must describe the same configuration.
  const std::string json = ConfigToJson(*config);
  auto again = ParseJsonConfig(json);
  if (!again.ok() || ConfigToJson(*again) != json) {
    fprintf(stderr, "canonical JSON does not parse back: %s\n%s\n",
            again.ok() ? "differs" : again.status().message().c_str(), json.c_str());
    abort();
  }

  static const uint8_t kSampleKid[16] = {0x40, 0x60, 0xa8, 0x65, 0x88, 0x78, 0x42, 0x67,
                                         0x9c, 0xbf, 0x91, 0xae, 0x5b, 0xae, 0x1e, 0x72};
  static const uint8_t kSampleChallenge[] = {0x08, 0x01, 0x12, 0x10, 0xff, 0x00, '"', '\\', '{'};
  RequestValues sample;
  sample.challenge = ByteSpan(kSampleChallenge, sizeof(kSampleChallenge));
  sample.session_id = "session-1";
  sample.kid = ByteSpan(kSampleKid, 16);
  sample.pssh = ByteSpan(kSampleKid, 16);
  auto direct = WrapRequest(*config, sample, "https://default.test/lic");
  auto applied = WrapRequest(*again, sample, "https://default.test/lic");
  for (const auto* r : {&direct, &applied}) {
    // Only the size bound may stop a configuration that loaded (wrap steps grow the body).
    if (!r->ok() && r->status().code() != Code::kLimitExceeded) {
      fprintf(stderr, "a configuration that parses cannot be applied: %s\n%s\n",
              r->status().message().c_str(), json.c_str());
      abort();
    }
  }
  if (direct.ok() != applied.ok() || (direct.ok() && RequestToJson(*direct) != RequestToJson(*applied))) abort();

  RequestValues values;
  values.challenge = ByteSpan(response);
  values.session_id = (mode & 1) ? "session-1" : "";
  static const uint8_t kKid[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  values.kid = (mode & 2) ? ByteSpan(kKid, 16) : ByteSpan();
  values.pssh = (mode & 4) ? ByteSpan(kKid, 8) : ByteSpan();
  auto request = WrapRequest(*config, values, (mode & 8) ? "https://default.test/lic" : "");
  if (request.ok()) (void)RequestToJson(*request);

  static const char* kTypes[] = {"", "application/json", "text/xml", "text/plain",
                                 "application/octet-stream", "application/json; charset=utf-8"};
  auto license = UnwrapResponse(*config, ByteSpan(response), kTypes[(mode >> 4) % 6],
                                (mode & 0x40) != 0);
  if (license.ok()) (void)LicenseToJson(*license);
  return 0;
}
