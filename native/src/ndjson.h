// The worker's native NDJSON line writer and the main thread's copy out of shared memory (ndjson.cc), exported
// by the addon beside the receiver (receiver.cc Init).
#pragma once

#include <napi.h>

namespace zlog {

// Adds PlainLines, copyOf and copyInto to the addon's exports (ndjson.cc says what they do).
void ExportNdjson(Napi::Env env, Napi::Object exports);

}  // namespace zlog
