// The worker's native writer of HTTP sinks' request body parts (bodies.cc), exported by the addon beside the
// receiver (receiver.cc Init).
#pragma once

#include <napi.h>

namespace zlog {

// Adds bulkLines and copyInto to the addon's exports (bodies.cc says what it does).
void ExportBodies(Napi::Env env, Napi::Object exports);

}  // namespace zlog
