{
  "targets": [
    {
      "target_name": "avcm_udp",
      "sources": [
        "native/addon.c",
        "native/udp-socket.c",
        "native/send-batch.c",
        "native/receive-batch.c",
        "native/srtp-session.c",
        "native/srtp-binding.c"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "libraries": ["-ldl"],
      "ldflags": ["-Wl,-z,lazy"],
      "conditions": [
        ["OS!='linux'", { "type": "none", "sources": [] }]
      ]
    }
  ]
}
