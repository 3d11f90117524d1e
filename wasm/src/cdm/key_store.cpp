#include "cdm/key_store.h"

namespace wee::cdm {

const char* KeyStatusName(KeyStatus status) {
  switch (status) {
    case KeyStatus::kUsable:
      return "usable";
    case KeyStatus::kExpired:
      return "expired";
    case KeyStatus::kReleased:
      return "released";
    case KeyStatus::kOutputRestricted:
      return "output-restricted";
    case KeyStatus::kOutputDownscaled:
      return "output-downscaled";
    case KeyStatus::kStatusPending:
      return "status-pending";
    case KeyStatus::kInternalError:
      return "internal-error";
  }
  return "internal-error";
}

void KeyStore::Put(ByteSpan kid, ByteSpan key, uint64_t sequence) {
  Entry& entry = entries_[kid.ToBytes()];
  entry.key = SecretBytes(key);
  entry.status = KeyStatus::kUsable;
  entry.sequence = sequence;
}

const KeyStore::Entry* KeyStore::Find(ByteSpan kid) const {
  auto it = entries_.find(kid.ToBytes());
  return it == entries_.end() ? nullptr : &it->second;
}

void KeyStore::ReleaseAll() {
  for (auto& [kid, entry] : entries_) {
    entry.key.Clear();
    entry.status = KeyStatus::kReleased;
  }
}

void KeyStore::DropReleased() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.status == KeyStatus::kReleased)
      it = entries_.erase(it);
    else
      ++it;
  }
}

std::vector<KeyStatusEntry> KeyStore::Statuses() const {
  std::vector<KeyStatusEntry> out;
  for (const auto& [kid, entry] : entries_)
    out.push_back({kid, entry.status});
  return out;
}

std::vector<Bytes> KeyStore::KeyIds() const {
  std::vector<Bytes> out;
  for (const auto& [kid, entry] : entries_)
    out.push_back(kid);
  return out;
}

}  // namespace wee::cdm
