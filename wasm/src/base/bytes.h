// Byte containers, a non-owning view, checked arithmetic and key-material hygiene.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wee {

using Bytes = std::vector<uint8_t>;

// Non-owning view (C++17 has no std::span).
struct ByteSpan {
  const uint8_t* data = nullptr;
  size_t size = 0;

  ByteSpan() = default;
  ByteSpan(const uint8_t* d, size_t n) : data(d), size(n) {}
  ByteSpan(const Bytes& b) : data(b.data()), size(b.size()) {}  // NOLINT: implicit by design
  ByteSpan(const std::string& s)                                // NOLINT
      : data(reinterpret_cast<const uint8_t*>(s.data())), size(s.size()) {}

  const uint8_t* begin() const { return data; }
  const uint8_t* end() const { return data + size; }
  bool empty() const { return size == 0; }
  uint8_t operator[](size_t i) const { return data[i]; }
  // Caller guarantees offset + length <= size.
  ByteSpan sub(size_t offset, size_t length) const { return ByteSpan(data + offset, length); }
  Bytes ToBytes() const { return Bytes(data, data + size); }
  std::string ToString() const { return std::string(reinterpret_cast<const char*>(data), size); }
};

inline bool operator==(ByteSpan a, ByteSpan b) {
  if (a.size != b.size) return false;
  for (size_t i = 0; i < a.size; ++i)
    if (a.data[i] != b.data[i]) return false;
  return true;
}

// Checked arithmetic: false on overflow, *out untouched.
template <typename T>
[[nodiscard]] bool CheckedAdd(T a, T b, T* out) {
  T r;
  if (__builtin_add_overflow(a, b, &r)) return false;
  *out = r;
  return true;
}
template <typename T>
[[nodiscard]] bool CheckedMul(T a, T b, T* out) {
  T r;
  if (__builtin_mul_overflow(a, b, &r)) return false;
  *out = r;
  return true;
}

// Overwrites memory in a way the optimiser cannot drop.
void SecureZero(void* data, size_t size);

// A byte vector for keys: zeroed when destroyed or reassigned.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(ByteSpan b) : bytes_(b.ToBytes()) {}
  SecretBytes(const SecretBytes& o) : bytes_(o.bytes_) {}
  SecretBytes(SecretBytes&& o) noexcept : bytes_(std::move(o.bytes_)) { o.Clear(); }
  SecretBytes& operator=(const SecretBytes& o) {
    if (this != &o) { Clear(); bytes_ = o.bytes_; }
    return *this;
  }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) { Clear(); bytes_ = std::move(o.bytes_); o.Clear(); }
    return *this;
  }
  ~SecretBytes() { Clear(); }

  void Clear() {
    SecureZero(bytes_.data(), bytes_.size());
    bytes_.clear();
  }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  ByteSpan span() const { return ByteSpan(bytes_); }

 private:
  Bytes bytes_;
};

}  // namespace wee
