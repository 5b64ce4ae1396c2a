/*
 * Module registration, per-thread state and teardown, and the small N-API helpers the other
 * files share. The module is context-aware (NAPI_MODULE_INIT): every Node environment (the main
 * thread and each worker_thread) gets its own addon_state_t, passed to every function as its data
 * pointer, so there is no process-wide state.
 */
#include "avcm-udp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const COUNTER_NAMES[C_COUNT] = {
  "packetsSent", "bytesSent", "sendCalls", "gsoDatagrams", "wouldBlock", "sendDropped",
  "sendErrors", "connectionRefused", "lastSendErrno", "gsoState", "gsoRefusedErrno",
  "datagramsReceived", "bytesReceived", "receiveCalls", "batchesDelivered", "truncated",
  "receiveErrors", "lastReceiveErrno", "kernelDrops",
};

static const char *const FLUSH_NAMES[F_COUNT] = {
  "packetsSent", "bytesSent", "packetsDropped", "wouldBlock", "errors", "sendCalls",
  "gsoDatagrams", "gsoFallbacks",
};

napi_value throw_errno(napi_env env, int err, const char *syscall, const char *detail) {
  /* The code is libuv's errno name (EADDRINUSE...), what Node's own socket errors carry, so the
   * TypeScript side maps both the same way. */
  char message[256];
  snprintf(message, sizeof message, "%s %s%s%s", syscall, uv_err_name(-err), detail ? " " : "",
           detail ? detail : "");
  napi_value code, text, error, syscall_value, errno_value;
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  napi_create_int32(env, err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_throw(env, error);
  return NULL;
}

napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_AVCM_UDP_ARGUMENT", message);
  return NULL;
}

/* The data pointer of a typed array the JS wrapper made once per batch. Typed arrays over their
 * own ArrayBuffer keep their memory in place, so the pointer stays valid while the batch lives. */
int typed_array_data(napi_env env, napi_value value, napi_typedarray_type type, size_t min_length,
                     void **data) {
  bool is_typed_array = false;
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok || !is_typed_array) return 0;
  napi_typedarray_type actual;
  size_t length;
  if (napi_get_typedarray_info(env, value, &actual, &length, data, NULL, NULL) != napi_ok) return 0;
  return actual == type && length >= min_length;
}

int typed_array_bytes(napi_env env, napi_value value, void **data, size_t *bytes) {
  bool is_typed_array = false;
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok || !is_typed_array) return 0;
  napi_typedarray_type type;
  size_t length;
  if (napi_get_typedarray_info(env, value, &type, &length, data, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array && type != napi_int8_array && type != napi_uint8_clamped_array) return 0;
  *bytes = length;
  return 1;
}

/* A batch's native side writes into the slab and typed arrays the JS wrapper made. The batch's
 * external holds them with a strong reference (dropped by its finalizer), so whoever keeps the
 * external - a receiving socket does - keeps that memory valid, whatever became of the wrapper. */
napi_ref hold_values(napi_env env, const napi_value *values, size_t count) {
  napi_value list;
  napi_ref ref = NULL;
  napi_create_array_with_length(env, count, &list);
  for (size_t i = 0; i < count; i++) napi_set_element(env, list, (uint32_t)i, values[i]);
  napi_create_reference(env, list, 1, &ref);
  return ref;
}

/* libuv frees poll handles asynchronously; teardown waits for the last one before it finishes. */
void poll_handle_closed(uv_handle_t *handle) {
  addon_state_t *state = handle->data;
  free(handle);
  state->pending_poll_closes--;
  if (state->tearing_down && state->pending_poll_closes == 0) {
    napi_remove_async_cleanup_hook(state->cleanup_hook);
    free(state->sockets);
    free(state);
  }
}

/* The environment is going away (process exit or worker exit): close every socket, and keep the
 * environment waiting until libuv has released our poll handles, or a worker's loop would refuse
 * to close. No JS may run here, so references and async contexts are left to the env. */
static void teardown(napi_async_cleanup_hook_handle handle, void *data) {
  addon_state_t *state = data;
  (void)handle;
  state->tearing_down = 1;
  for (uint32_t i = 0; i < state->socket_count; i++) {
    if (state->sockets[i]) socket_release(state->sockets[i], 1);
  }
  if (state->pending_poll_closes == 0) {
    napi_remove_async_cleanup_hook(state->cleanup_hook);
    free(state->sockets);
    free(state);
  }
}

static napi_value string_list(napi_env env, const char *const *names, size_t count) {
  napi_value list, item;
  napi_create_array_with_length(env, count, &list);
  for (size_t i = 0; i < count; i++) {
    napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &item);
    napi_set_element(env, list, (uint32_t)i, item);
  }
  return list;
}

NAPI_MODULE_INIT() {
  addon_state_t *state = calloc(1, sizeof *state);
  if (!state) {
    napi_throw_error(env, NULL, "avcm_udp: out of memory");
    return NULL;
  }
  state->env = env;
  if (napi_get_uv_event_loop(env, &state->loop) != napi_ok ||
      napi_add_async_cleanup_hook(env, teardown, state, &state->cleanup_hook) != napi_ok) {
    free(state);
    napi_throw_error(env, NULL, "avcm_udp: cannot attach to this thread's event loop");
    return NULL;
  }

  napi_property_descriptor functions[] = {
    {"open", NULL, udp_open, NULL, NULL, NULL, napi_enumerable, state},
    {"close", NULL, udp_close, NULL, NULL, NULL, napi_enumerable, state},
    {"counters", NULL, udp_counters, NULL, NULL, NULL, napi_enumerable, state},
    {"parseAddress", NULL, udp_parse_address, NULL, NULL, NULL, napi_enumerable, state},
    {"formatAddress", NULL, udp_format_address, NULL, NULL, NULL, napi_enumerable, state},
    {"createSendBatch", NULL, send_batch_create, NULL, NULL, NULL, napi_enumerable, state},
    {"flush", NULL, send_batch_flush, NULL, NULL, NULL, napi_enumerable, state},
    {"createReceiveBatch", NULL, receive_batch_create, NULL, NULL, NULL, napi_enumerable, state},
    {"startReceiving", NULL, receive_start, NULL, NULL, NULL, napi_enumerable, state},
    {"stopReceiving", NULL, receive_stop, NULL, NULL, NULL, napi_enumerable, state},
    {"setPeer", NULL, js_set_peer, NULL, NULL, NULL, napi_enumerable, state},
    {"srtpCreate", NULL, js_srtp_create, NULL, NULL, NULL, napi_enumerable, state},
    {"srtpProtect", NULL, js_srtp_protect, NULL, NULL, NULL, napi_enumerable, state},
    {"srtpUnprotect", NULL, js_srtp_unprotect, NULL, NULL, NULL, napi_enumerable, state},
    {"srtpCounters", NULL, js_srtp_counters, NULL, NULL, NULL, napi_enumerable, state},
    {"attachSrtp", NULL, js_srtp_attach, NULL, NULL, NULL, napi_enumerable, state},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  napi_set_named_property(env, exports, "COUNTER_NAMES", string_list(env, COUNTER_NAMES, C_COUNT));
  napi_set_named_property(env, exports, "FLUSH_NAMES", string_list(env, FLUSH_NAMES, F_COUNT));
  napi_set_named_property(env, exports, "SRTP_COUNTER_NAMES", js_srtp_counter_names(env));
  /* null when SRTP can run here; else why not (the libcrypto function that does not resolve). */
  const char *missing = avcm_srtp_crypto_missing();
  napi_value srtp_unavailable;
  if (missing) {
    char reason[160];
    snprintf(reason, sizeof reason, "OpenSSL's %s does not resolve in this process", missing);
    napi_create_string_utf8(env, reason, NAPI_AUTO_LENGTH, &srtp_unavailable);
  } else {
    napi_get_null(env, &srtp_unavailable);
  }
  napi_set_named_property(env, exports, "SRTP_UNAVAILABLE", srtp_unavailable);
  return exports;
}
