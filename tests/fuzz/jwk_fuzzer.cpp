// Fuzzes the JWK Set license parser and a CDM session fed with it (wasm/src/cdm/jwk.h,
// session.h). Checks: no crash or sanitizer report; what parses re-serializes (MakeJwkSet) to
// a text that parses to the same keys; a session accepts exactly the licenses that parse with a
// matching type, and then every KID of the license has a usable key.
#include <cstdint>
#include <cstdlib>

#include "cdm/jwk.h"
#include "cdm/session.h"

using namespace wee;
using namespace wee::cdm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan response(data, size);
  auto license = ParseJwkLicense(response);

  ClearKeyCdm cdm;
  auto id = cdm.CreateSession(SessionType::kTemporary);
  if (!id.ok())
    std::abort();
  if (!cdm.GenerateRequest(id.value(), InitDataType::kWebM, ByteSpan(std::string("k"))).ok())
    std::abort();
  auto update = cdm.Update(id.value(), response);
  bool temporary =
      license.ok() && license->type.value_or(SessionType::kTemporary) == SessionType::kTemporary;
  if (update.ok() != temporary)
    std::abort();
  if (!license.ok())
    return 0;

  if (license->keys.empty() || license->keys.size() > kMaxKeyIds)
    std::abort();
  for (const JwkKey& key : license->keys) {
    if (key.key.size() != kKeySize)
      std::abort();
    if (temporary && !cdm.FindKey(key.kid))
      std::abort();
  }
  auto text = MakeJwkSet(license->keys, license->type);
  if (!text.ok())
    std::abort();
  auto back = ParseJwkLicense(ByteSpan(text.value()));
  if (!back.ok() || back->keys.size() != license->keys.size() || back->type != license->type)
    std::abort();
  for (size_t i = 0; i < back->keys.size(); ++i) {
    if (back->keys[i].kid != license->keys[i].kid ||
        !(back->keys[i].key.span() == license->keys[i].key.span()))
      std::abort();
  }
  return 0;
}
