// The JSON-plain check shared by the receive thread (receiver.cc, chunk.ts FLAG_JSON_PLAIN) and the worker's
// native line writer (ndjson.cc): bytes a JSON string holds as they are.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace zlog {

// From p[i] on, byte by byte: true when the bytes are valid UTF-8 (RFC 3629 section 4, the UTF8-octets rule:
// no overlong forms, no surrogates, nothing above U+10FFFF; what Node's buffer.isUtf8 accepts) and none is a
// byte JSON must escape (RFC 8259 section 7: control bytes, '"', '\\').
inline bool JsonPlainUtf8(const uint8_t* p, size_t i, size_t n) {
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      if (c < 0x20 || c == '"' || c == '\\') return false;
      i++;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c == 0xe0) len = 3, lo = 0xa0;
    else if (c == 0xed) len = 3, hi = 0x9f;
    else if (c >= 0xe1 && c <= 0xef) len = 3;
    else if (c == 0xf0) len = 4, lo = 0x90;
    else if (c == 0xf4) len = 4, hi = 0x8f;
    else if (c >= 0xf1 && c <= 0xf3) len = 4;
    else return false;
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k < len; k++)
      if ((p[i + k] & 0xc0) != 0x80) return false;
    i += len;
  }
  return true;
}

// True when the bytes need neither escaping nor a UTF-8 check in the worker (see JsonPlainUtf8). Run on bytes
// just copied (in cache), 16 at a time while they are ASCII: the worker's JavaScript scan of the same bytes
// cost it about 1 us per KiB. From the first block with a byte >= 0x80 on, the scalar check decides.
inline bool JsonPlain(const uint8_t* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i space_minus_1 = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Signed compare: control bytes (<= 0x1f) and bytes >= 0x80 (negative) both fail v > 0x1f.
    __m128i ok = _mm_cmpgt_epi8(v, space_minus_1);
    __m128i escaped = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
    if (_mm_movemask_epi8(_mm_andnot_si128(escaped, ok)) != 0xffff) break;
  }
#endif
  return JsonPlainUtf8(p, i, n);
}

}  // namespace zlog
