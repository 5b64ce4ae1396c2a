/*
 * SRTP sessions as JS sees them: made from the DTLS-SRTP keys, attached to a socket (then its
 * send batches protect and its receive batches unprotect), or used on one buffer (tests,
 * benchmarks). Also the socket's default destination, which WebRTC sockets need: they stay
 * unconnected (ICE talks to several candidates on them) yet send their media to one peer.
 */
#include "avcm-udp.h"

#include <errno.h>
#include <netinet/udp.h>
#include <string.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

static const char *const SRTP_COUNTER_NAMES[S_COUNT] = {
  "rtpProtected", "rtcpProtected", "rtpUnprotected", "rtcpUnprotected", "authFailures",
  "replayed", "tooOld", "malformed", "otherErrors", "streams",
};

static void session_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  avcm_srtp_release(data);
}

static int bytes_of(napi_env env, napi_value value, size_t length, uint8_t **data) {
  size_t actual = 0;
  return typed_array_bytes(env, value, (void **)data, &actual) && actual == length;
}

/* srtpCreate(profile, localKey, localSalt, remoteKey, remoteSalt) -> external. */
napi_value js_srtp_create(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], external;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const char *missing = avcm_srtp_crypto_missing();
  if (missing) return throw_errno(env, ENOTSUP, "srtpCreate", missing);
  int32_t profile = 0;
  if (argc < 5 || napi_get_value_int32(env, argv[0], &profile) != napi_ok) {
    return throw_type(env, "srtpCreate(profile, localKey, localSalt, remoteKey, remoteSalt)");
  }
  size_t salt_length = profile == SRTP_PROFILE_AEAD_AES_128_GCM ? 12 : 14;
  uint8_t *local_key, *local_salt, *remote_key, *remote_salt;
  if ((profile != SRTP_PROFILE_AES128_CM_SHA1_80 && profile != SRTP_PROFILE_AEAD_AES_128_GCM) ||
      !bytes_of(env, argv[1], 16, &local_key) || !bytes_of(env, argv[2], salt_length, &local_salt) ||
      !bytes_of(env, argv[3], 16, &remote_key) || !bytes_of(env, argv[4], salt_length, &remote_salt)) {
    return throw_type(env, "srtpCreate: profile 1 (16-byte keys, 14-byte salts) or 7 (16-byte keys, 12-byte salts)");
  }
  int error = 0;
  avcm_srtp_t *session = avcm_srtp_create(profile, local_key, local_salt, remote_key, remote_salt, &error);
  if (!session) return throw_errno(env, EINVAL, "srtpCreate", "(OpenSSL refused the keys)");
  napi_create_external(env, session, session_finalize, NULL, &external);
  return external;
}

static avcm_srtp_t *session_of(napi_env env, napi_value value) {
  avcm_srtp_t *session = NULL;
  if (napi_get_value_external(env, value, (void **)&session) != napi_ok) return NULL;
  return session;
}

/* The arguments of srtpProtect and srtpUnprotect: (session, buffer, length <= the buffer's size). */
typedef struct {
  avcm_srtp_t *session;
  uint8_t *data;
  size_t size;
  uint32_t length;
} srtp_call_t;

/* Reads them into `call`; false (after throwing TypeError `usage`) when they do not fit. */
static int read_srtp_call(napi_env env, napi_callback_info info, const char *usage, srtp_call_t *call) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  call->session = argc >= 3 ? session_of(env, argv[0]) : NULL;
  call->data = NULL;
  call->size = 0;
  call->length = 0;
  if (!call->session || !typed_array_bytes(env, argv[1], (void **)&call->data, &call->size) ||
      napi_get_value_uint32(env, argv[2], &call->length) != napi_ok || call->length > call->size) {
    throw_type(env, usage);
    return 0;
  }
  return 1;
}

/* srtpProtect(session, buffer, length) -> protected length, or -error; buffer's size is the room. */
napi_value js_srtp_protect(napi_env env, napi_callback_info info) {
  srtp_call_t call;
  if (!read_srtp_call(env, info, "srtpProtect(session, Uint8Array, length <= its size)", &call)) return NULL;
  napi_value result;
  napi_create_int32(env, avcm_srtp_protect(call.session, call.data, call.length, call.size), &result);
  return result;
}

/* srtpUnprotect(session, buffer, length) -> plain length, or -error. */
napi_value js_srtp_unprotect(napi_env env, napi_callback_info info) {
  srtp_call_t call;
  if (!read_srtp_call(env, info, "srtpUnprotect(session, Uint8Array, length <= its size)", &call)) return NULL;
  napi_value result;
  napi_create_int32(env, avcm_srtp_unprotect(call.session, call.data, call.length), &result);
  return result;
}

/* srtpCounters(session, Float64Array(S_COUNT)) */
napi_value js_srtp_counters(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  avcm_srtp_t *session = argc >= 2 ? session_of(env, argv[0]) : NULL;
  double *out = NULL;
  if (!session || !typed_array_data(env, argv[1], napi_float64_array, S_COUNT, (void **)&out)) {
    return throw_type(env, "srtpCounters(session, Float64Array)");
  }
  memcpy(out, avcm_srtp_counters(session), S_COUNT * sizeof *out);
  return NULL;
}

/* attachSrtp(socketId, session | null): from now on the socket's flushes protect its RTP/RTCP and
 * its receive batches unprotect them. The socket holds the session until detached or closed. */
napi_value js_srtp_attach(napi_env env, napi_callback_info info) {
  addon_state_t *state;
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state);
  uint32_t id = 0;
  napi_valuetype type = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &type);
  avcm_srtp_t *session = type == napi_external ? session_of(env, argv[1]) : NULL;
  if (argc < 2 || napi_get_value_uint32(env, argv[0], &id) != napi_ok || (type != napi_null && !session)) {
    return throw_type(env, "attachSrtp(id, session | null)");
  }
  udp_socket_t *socket = socket_lookup(state, id);
  if (!socket) return throw_errno(env, EBADF, "attachSrtp", "(the socket is closed)");
  if (session) avcm_srtp_retain(session);
  if (socket->srtp) avcm_srtp_release(socket->srtp);
  socket->srtp = session;
  return NULL;
}

/* setPeer(socketId, host | null, port): where packets pushed without a destination go on an
 * unconnected socket; those may then use GSO like a connected socket's. */
napi_value js_set_peer(napi_env env, napi_callback_info info) {
  addon_state_t *state;
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state);
  uint32_t id = 0, port = 0;
  napi_valuetype type = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &type);
  if (argc < 3 || napi_get_value_uint32(env, argv[0], &id) != napi_ok || (type != napi_null && type != napi_string) ||
      napi_get_value_uint32(env, argv[2], &port) != napi_ok || port > 65535) {
    return throw_type(env, "setPeer(id, host | null, port)");
  }
  udp_socket_t *socket = socket_lookup(state, id);
  if (!socket) return throw_errno(env, EBADF, "setPeer", "(the socket is closed)");
  if (type == napi_null) {
    socket->peer_length = 0;
    return NULL;
  }
  char host[64];
  size_t length = 0;
  uint8_t family = 0;
  uint32_t words[4];
  if (napi_get_value_string_utf8(env, argv[1], host, sizeof host, &length) != napi_ok || length >= sizeof host - 1 ||
      !parse_numeric_host(host, &family, words)) {
    return throw_errno(env, EINVAL, "setPeer", host);
  }
  socklen_t address_length = 0;
  if (words_to_address(socket->family, family, words, (uint16_t)port, &socket->peer, &address_length) != 0) {
    return throw_errno(env, EAFNOSUPPORT, "setPeer", host);
  }
  socket->peer_length = address_length;
  if (socket->gso == GSO_DISABLED && socket->gso_wanted) {
    int value = 0;
    socklen_t value_length = sizeof value;
    socket->gso = getsockopt(socket->fd, SOL_UDP, UDP_SEGMENT, &value, &value_length) != 0 ? GSO_UNSUPPORTED : GSO_ACTIVE;
    socket->counters[C_GSO_STATE] = socket->gso;
  }
  return NULL;
}

napi_value js_srtp_counter_names(napi_env env) {
  napi_value list, item;
  napi_create_array_with_length(env, S_COUNT, &list);
  for (uint32_t i = 0; i < S_COUNT; i++) {
    napi_create_string_utf8(env, SRTP_COUNTER_NAMES[i], NAPI_AUTO_LENGTH, &item);
    napi_set_element(env, list, i, item);
  }
  return list;
}
