{
  "variables": {
    "zmq_prefix": "<!(bash ../scripts/build-libzmq.sh --prefix)"
  },
  "targets": [
    {
      "target_name": "zlog_receive",
      "sources": ["src/receiver.cc", "src/zap.cc", "src/crc32.cc", "src/ndjson.cc", "src/bodies.cc"],
      "include_dirs": ["<(zmq_prefix)/include", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "libraries": ["<(zmq_prefix)/lib/libzmq.a", "-lsodium", "-lpthread", "-Wl,--exclude-libs,ALL"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++17"]
    }
  ]
}
