// The keys of one Clear Key session and their EME MediaKeyStatus values.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "base/bytes.h"

namespace wee::cdm {

// EME MediaKeyStatus. Clear Key only produces usable and released; the others exist so that
// the names round-trip through the JS layer.
enum class KeyStatus {
  kUsable,
  kExpired,
  kReleased,
  kOutputRestricted,
  kOutputDownscaled,
  kStatusPending,
  kInternalError,
};
const char* KeyStatusName(KeyStatus status);  // "usable", "output-restricted", ...

struct KeyStatusEntry {
  Bytes kid;
  KeyStatus status;
};

class KeyStore {
 public:
  struct Entry {
    SecretBytes key;  // empty once released
    KeyStatus status = KeyStatus::kUsable;
    uint64_t sequence = 0;  // CDM-wide order of updates: the highest is the newest key
  };

  // Adds or replaces the key for `kid` as usable.
  void Put(ByteSpan kid, ByteSpan key, uint64_t sequence);
  // The entry for `kid`, or null.
  const Entry* Find(ByteSpan kid) const;
  bool Contains(ByteSpan kid) const { return Find(kid) != nullptr; }
  // Wipes every key and marks it released (EME remove()); the KIDs stay for the statuses.
  void ReleaseAll();
  // Forgets released entries (a new license replaces the removed one).
  void DropReleased();
  // EME MediaKeyStatusMap order: sorted by KID, shorter first when one is a prefix of the other
  // (lexicographic byte order, which std::map<Bytes> already keeps).
  std::vector<KeyStatusEntry> Statuses() const;
  std::vector<Bytes> KeyIds() const;
  size_t size() const { return entries_.size(); }

 private:
  std::map<Bytes, Entry> entries_;  // SecretBytes wipes each key on erase and destruction
};

}  // namespace wee::cdm
