// Trimmed mbedTLS configuration: only the modules wasm-eme uses (MBEDTLS_CONFIG_FILE).
#pragma once

#define MBEDTLS_AES_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C

// AES-NI on native x86-64 builds; WebAssembly uses the portable table implementation.
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_AESNI_C
#endif
