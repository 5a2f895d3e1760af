// CRC-32 as the native protocol's header carries it (docs/protocol.md): the ISO-HDLC / zlib CRC (reflected
// polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF), what Node's zlib.crc32 and Python's zlib.crc32
// return. The receive thread checks each ROUTER message's payload with it while the bytes are in cache, so the
// JavaScript main thread does not: zlib.crc32 there ran at about 0.45 GB/s on these machines (2.3 ms per
// 1 MiB batch, most of the main thread's time per 1 KiB record in bench case bp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace zlog {

// CRC-32 of n bytes at p, continuing from crc (0 for a fresh one), like zlib's crc32(crc, p, n). Uses carry-less
// multiplication (PCLMULQDQ) when the CPU has it, else an 8-bit table.
uint32_t Crc32(uint32_t crc, const uint8_t* p, size_t n);

}  // namespace zlog
