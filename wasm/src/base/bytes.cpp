#include "base/bytes.h"

namespace wee {

void SecureZero(void* data, size_t size) {
  volatile uint8_t* p = static_cast<volatile uint8_t*>(data);
  while (size--) *p++ = 0;
}

}  // namespace wee
