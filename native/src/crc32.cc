// CRC-32 (crc32.h). The fast path folds 64 bytes at a time with carry-less multiplication, as described in Intel's
// white paper "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction" (Gopal et al., 2009):
// four 128-bit lanes are each multiplied by x^(512+32) and x^(512-32) mod P and added to the next 64 bytes; the
// lanes are then folded into one (x^(128+32), x^(128-32)), that one to 64 and 32 bits, and a Barrett reduction
// gives the remainder. The constants below are those powers of x modulo the bit-reflected polynomial
// (P = 0x1DB710641, mu = floor(x^64 / P) = 0x1F7011641). What is left after the last whole 16 bytes goes
// through the byte table. collector/inputs/zmq/native-receive.test.ts checks the result against zlib.crc32 for
// every length up to a few hundred bytes at every alignment, and for large buffers.
#include "crc32.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define ZLOG_CRC32_FOLD 1
#endif

namespace zlog {
namespace {

struct ByteTable {
  uint32_t t[256];
  ByteTable() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
      t[i] = c;
    }
  }
};
const ByteTable kTable;

// On the CRC register itself (no initial or final XOR).
inline uint32_t Bytewise(uint32_t c, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) c = kTable.t[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c;
}

#if ZLOG_CRC32_FOLD
__attribute__((target("pclmul,sse4.1"))) inline __m128i Fold(__m128i x, __m128i k, __m128i next) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next);
}

__attribute__((target("pclmul,sse4.1"))) inline __m128i Load(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// The register after n bytes (n >= 64, a multiple of 16).
__attribute__((target("pclmul,sse4.1"))) uint32_t Folded(uint32_t c, const uint8_t* p, size_t n) {
  const __m128i k512 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);  // x^(512-32), x^(512+32) mod P (reflected)
  const __m128i k128 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);  // x^(128-32), x^(128+32) mod P (reflected)
  const __m128i k64 = _mm_set_epi64x(0, 0x163cd6124);             // x^64 mod P (reflected)
  const __m128i barrett = _mm_set_epi64x(0x1F7011641, 0x1DB710641);  // mu, P
  const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);
  __m128i x0 = _mm_xor_si128(Load(p), _mm_cvtsi32_si128(static_cast<int>(c)));
  __m128i x1 = Load(p + 16), x2 = Load(p + 32), x3 = Load(p + 48);
  p += 64;
  n -= 64;
  for (; n >= 64; p += 64, n -= 64) {
    x0 = Fold(x0, k512, Load(p));
    x1 = Fold(x1, k512, Load(p + 16));
    x2 = Fold(x2, k512, Load(p + 32));
    x3 = Fold(x3, k512, Load(p + 48));
  }
  x0 = Fold(x0, k128, x1);
  x0 = Fold(x0, k128, x2);
  x0 = Fold(x0, k128, x3);
  for (; n >= 16; p += 16, n -= 16) x0 = Fold(x0, k128, Load(p));
  // 128 bits to 64, then to 32 (the low 32 bits times x^64 mod P, plus the rest).
  x0 = _mm_xor_si128(_mm_clmulepi64_si128(x0, k128, 0x10), _mm_srli_si128(x0, 8));
  x0 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x0, low32), k64, 0x00), _mm_srli_si128(x0, 4));
  // Barrett reduction: q = floor(low32 * mu / x^32), remainder = x0 - q * P (in GF(2): XOR).
  __m128i q = _mm_and_si128(_mm_clmulepi64_si128(_mm_and_si128(x0, low32), barrett, 0x10), low32);
  x0 = _mm_xor_si128(_mm_clmulepi64_si128(q, barrett, 0x00), x0);
  return static_cast<uint32_t>(_mm_extract_epi32(x0, 1));
}

bool CpuCanFold() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
const bool kCanFold = CpuCanFold();
#endif

}  // namespace

uint32_t Crc32(uint32_t crc, const uint8_t* p, size_t n) {
  uint32_t c = ~crc;
#if ZLOG_CRC32_FOLD
  if (n >= 64 && kCanFold) {
    size_t whole = n & ~static_cast<size_t>(15);
    c = Folded(c, p, whole);
    p += whole;
    n -= whole;
  }
#endif
  return ~Bytewise(c, p, n);
}

}  // namespace zlog
