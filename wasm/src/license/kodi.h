// Kodi inputstream.adaptive configuration forms, parsed into a Config:
//
//  license_key  "[URL]|[headers]|[post data]|[response]"   (inputstream.adaptive.license_key)
//  drm_legacy   "[key system]|[URL or KID:key,...]|[headers]" (inputstream.adaptive.drm_legacy)
//  drm JSON     {"com.widevine.alpha": {"license": {"server_url": ..., "req_data": ...,
//                 "wrapper": ..., "unwrapper": ..., "unwrapper_params": {...}}}}
//                                                          (inputstream.adaptive.drm)
//
// Behaviour follows inputstream.adaptive's sources (wvdecrypter SendSessionMessage, HelperWv
// WvWrapLicense/WvUnwrapLicense, CompKodiProps ParseDrmOldProps/ParseDrmConfig/
// ParseDrmLegacyConfig); where they silently send something other than what was written
// (an unknown prefix letter, a fifth '|' field, a typo in a key) this parser fails instead.
// docs/license-templates.md lists every rule.
#pragma once

#include <string>

#include "base/status.h"
#include "license/config.h"
#include "license/json_path.h"

namespace wee::license {

Result<Config> ParseLicenseKey(const std::string& text);
Result<Config> ParseDrmLegacy(const std::string& text);
// `key_system` picks one entry when the object configures several ("" = the only one).
Result<Config> ParseKodiDrmJson(const Json& doc, const std::string& key_system);

// Key systems inputstream.adaptive and browsers know (the playready and fairplay families
// by prefix).
bool IsKnownKeySystem(const std::string& name);

}  // namespace wee::license
