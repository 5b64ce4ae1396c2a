/*
 * Sockets owned by the addon: open (bind, optional connect, buffer sizes, GSO probe), close,
 * counters, and the numeric address form JS uses.
 */
#include "avcm-udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

udp_socket_t *socket_lookup(addon_state_t *state, uint32_t id) {
  if (id == 0 || id > state->socket_count) return NULL;
  return state->sockets[id - 1];
}

void address_to_words(const struct sockaddr *address, uint8_t *family, uint32_t words[4], uint16_t *port) {
  words[0] = words[1] = words[2] = words[3] = 0;
  if (address->sa_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
    *family = 4;
    words[0] = ntohl(v4->sin_addr.s_addr);
    *port = ntohs(v4->sin_port);
    return;
  }
  const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
  *port = ntohs(v6->sin6_port);
  uint32_t raw[4];
  memcpy(raw, &v6->sin6_addr, sizeof raw);
  if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
    /* A dual-stack socket hears IPv4 peers as ::ffff:a.b.c.d; JS sees them as plain IPv4. */
    *family = 4;
    words[0] = ntohl(raw[3]);
    return;
  }
  *family = 6;
  for (int i = 0; i < 4; i++) words[i] = ntohl(raw[i]);
}

int words_to_address(int socket_family, uint8_t family, const uint32_t words[4], uint16_t port,
                     struct sockaddr_in6 *out, socklen_t *length) {
  memset(out, 0, sizeof *out);
  if (socket_family == AF_INET) {
    if (family != 4) return -EAFNOSUPPORT;
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    v4->sin_addr.s_addr = htonl(words[0]);
    *length = sizeof *v4;
    return 0;
  }
  uint32_t raw[4];
  if (family == 4) {
    raw[0] = 0;
    raw[1] = 0;
    raw[2] = htonl(0xffff);
    raw[3] = htonl(words[0]);
  } else if (family == 6) {
    for (int i = 0; i < 4; i++) raw[i] = htonl(words[i]);
  } else {
    return -EAFNOSUPPORT;
  }
  out->sin6_family = AF_INET6;
  out->sin6_port = htons(port);
  memcpy(&out->sin6_addr, raw, sizeof raw);
  *length = sizeof *out;
  return 0;
}

/* Host strings are numeric only: resolving names is the caller's business (and asynchronous).
 * Unlike received addresses, ::ffff:a.b.c.d stays IPv6 here: the caller wrote it that way. */
int parse_numeric_host(const char *host, uint8_t *family, uint32_t words[4]) {
  struct in_addr v4;
  struct in6_addr v6;
  words[0] = words[1] = words[2] = words[3] = 0;
  if (inet_pton(AF_INET, host, &v4) == 1) {
    *family = 4;
    words[0] = ntohl(v4.s_addr);
    return 1;
  }
  if (inet_pton(AF_INET6, host, &v6) == 1) {
    uint32_t raw[4];
    memcpy(raw, &v6, sizeof raw);
    *family = 6;
    for (int i = 0; i < 4; i++) words[i] = ntohl(raw[i]);
    return 1;
  }
  return 0;
}

/* Root may exceed net.core.[rw]mem_max with the FORCE variants; everyone else gets the capped size. */
static void set_buffer(int fd, int force_option, int option, int bytes) {
  if (bytes <= 0) return;
  if (setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) == 0) return;
  setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
}

static int get_int_option(int fd, int level, int option) {
  int value = 0;
  socklen_t length = sizeof value;
  if (getsockopt(fd, level, option, &value, &length) != 0) return -1;
  return value;
}

static int read_string(napi_env env, napi_value value, char *out, size_t size) {
  size_t length;
  return napi_get_value_string_utf8(env, value, out, size, &length) == napi_ok && length < size - 1;
}

static int read_int(napi_env env, napi_value value, int32_t *out) {
  return napi_get_value_int32(env, value, out) == napi_ok;
}

static int read_bool(napi_env env, napi_value value, bool *out) {
  return napi_get_value_bool(env, value, out) == napi_ok;
}

static int register_socket(addon_state_t *state, udp_socket_t *socket) {
  if (state->socket_count == state->socket_capacity) {
    uint32_t capacity = state->socket_capacity ? state->socket_capacity * 2 : 64;
    udp_socket_t **grown = realloc(state->sockets, capacity * sizeof *grown);
    if (!grown) return 0;
    state->sockets = grown;
    state->socket_capacity = capacity;
  }
  state->sockets[state->socket_count++] = socket;
  socket->id = state->socket_count;
  return 1;
}

static void set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value number;
  napi_create_double(env, value, &number);
  napi_set_named_property(env, object, name, number);
}

/* open(bindHost, bindPort, connectHost | null, connectPort, sendBufferBytes, receiveBufferBytes,
 *      reusePort, gso, udpChecksum, demux) -> { id, family, localPort, sendBufferBytes,
 *      receiveBufferBytes, gsoState }. Throws an Error whose code is the errno name. */
napi_value udp_open(napi_env env, napi_callback_info info) {
  addon_state_t *state;
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state);
  char bind_host[64], connect_host[64];
  int32_t bind_port, connect_port, send_buffer, receive_buffer;
  bool reuse_port, gso, checksum, demux = false;
  napi_valuetype connect_type;
  napi_typeof(env, argv[2], &connect_type);
  int connect_wanted = connect_type == napi_string;
  if (argc < 9 || !read_string(env, argv[0], bind_host, sizeof bind_host) ||
      !read_int(env, argv[1], &bind_port) ||
      (connect_wanted && !read_string(env, argv[2], connect_host, sizeof connect_host)) ||
      !read_int(env, argv[3], &connect_port) || !read_int(env, argv[4], &send_buffer) ||
      !read_int(env, argv[5], &receive_buffer) || !read_bool(env, argv[6], &reuse_port) ||
      !read_bool(env, argv[7], &gso) || !read_bool(env, argv[8], &checksum) ||
      (argc > 9 && !read_bool(env, argv[9], &demux))) {
    return throw_type(env, "open(bindHost, bindPort, connectHost, connectPort, sndbuf, rcvbuf, reusePort, gso, udpChecksum, demux)");
  }

  uint8_t bind_family, connect_family = 0;
  uint32_t bind_words[4], connect_words[4];
  if (!parse_numeric_host(bind_host, &bind_family, bind_words)) return throw_errno(env, EINVAL, "getaddrinfo", bind_host);
  if (connect_wanted && !parse_numeric_host(connect_host, &connect_family, connect_words)) {
    return throw_errno(env, EINVAL, "getaddrinfo", connect_host);
  }
  int family = bind_family == 6 ? AF_INET6 : AF_INET;

  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket", NULL);
  int one = 1;
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "setsockopt", "SO_REUSEPORT");
  }
  set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, send_buffer);
  set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, receive_buffer);
  /* Each received datagram then carries the socket's kernel drop count (best effort). */
  setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  /* Without a UDP checksum Linux refuses GSO (EINVAL): a real refusal the tests rely on. */
  if (!checksum && family == AF_INET) setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof one);

  struct sockaddr_in6 address;
  socklen_t address_length;
  words_to_address(family, bind_family, bind_words, (uint16_t)bind_port, &address, &address_length);
  if (bind(fd, (struct sockaddr *)&address, address_length) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "bind", NULL);
  }
  if (connect_wanted) {
    int rc = words_to_address(family, connect_family, connect_words, (uint16_t)connect_port,
                              &address, &address_length);
    if (rc != 0 || connect(fd, (struct sockaddr *)&address, address_length) != 0) {
      int err = rc != 0 ? -rc : errno;
      close(fd);
      return throw_errno(env, err, "connect", NULL);
    }
  }
  address_length = sizeof address;
  getsockname(fd, (struct sockaddr *)&address, &address_length);
  uint8_t local_family;
  uint32_t local_words[4];
  uint16_t local_port;
  address_to_words((struct sockaddr *)&address, &local_family, local_words, &local_port);

  udp_socket_t *socket = calloc(1, sizeof *socket);
  if (!socket || !register_socket(state, socket)) {
    free(socket);
    close(fd);
    return throw_errno(env, ENOMEM, "open", NULL);
  }
  socket->fd = fd;
  socket->family = family;
  socket->state = state;
  socket->demux = demux;
  socket->gso_wanted = gso;
  /* GSO only for connected sockets (or, later, an unconnected one given a peer: setPeer): a super-datagram has one destination, and a connected
   * socket's destination cannot differ between its segments. */
  if (!gso || !connect_wanted) {
    socket->gso = GSO_DISABLED;
  } else {
    socket->gso = get_int_option(fd, SOL_UDP, UDP_SEGMENT) < 0 ? GSO_UNSUPPORTED : GSO_ACTIVE;
  }
  socket->counters[C_GSO_STATE] = socket->gso;

  napi_value result;
  napi_create_object(env, &result);
  set_number(env, result, "id", socket->id);
  set_number(env, result, "family", family == AF_INET6 ? 6 : 4);
  set_number(env, result, "localPort", local_port);
  set_number(env, result, "sendBufferBytes", get_int_option(fd, SOL_SOCKET, SO_SNDBUF));
  set_number(env, result, "receiveBufferBytes", get_int_option(fd, SOL_SOCKET, SO_RCVBUF));
  set_number(env, result, "gsoState", socket->gso);
  return result;
}

static void read_kernel_drops(udp_socket_t *socket) {
  uint32_t meminfo[SK_MEMINFO_VARS];
  socklen_t length = sizeof meminfo;
  if (getsockopt(socket->fd, SOL_SOCKET, SO_MEMINFO, meminfo, &length) == 0 &&
      length >= (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)) {
    socket->counters[C_KERNEL_DROPS] = meminfo[SK_MEMINFO_DROPS];
  } else {
    socket->counters[C_KERNEL_DROPS] = socket->last_rxq_ovfl;
  }
}

static void copy_counters(udp_socket_t *socket, double *out) {
  read_kernel_drops(socket);
  memcpy(out, socket->counters, sizeof socket->counters);
}

void socket_stop_receiving(udp_socket_t *socket, int from_teardown) {
  if (!socket->poll) return;
  /* uv_close stops the watcher and forgets any event already pending for this fd in the current
   * loop iteration, so closing the fd right after is safe even if the number is reused. */
  socket->poll->data = socket->state;
  socket->state->pending_poll_closes++;
  uv_close((uv_handle_t *)socket->poll, poll_handle_closed);
  socket->poll = NULL;
  socket->rx = NULL;
  if (!from_teardown) {
    napi_env env = socket->state->env;
    napi_delete_reference(env, socket->rx_batch_ref);
    napi_delete_reference(env, socket->rx_callback_ref);
    /* napi_make_callback may still be on the stack with this context; retire it till it returns. */
    if (socket->in_callback && !socket->rx_async_retired) {
      socket->rx_async_retired = socket->rx_async;
    } else {
      napi_async_destroy(env, socket->rx_async);
    }
  }
  socket->rx_batch_ref = NULL;
  socket->rx_callback_ref = NULL;
  socket->rx_async = NULL;
}

void socket_release(udp_socket_t *socket, int from_teardown) {
  socket_stop_receiving(socket, from_teardown);
  if (socket->srtp) {
    avcm_srtp_release(socket->srtp);
    socket->srtp = NULL;
  }
  close(socket->fd);
  socket->fd = -1;
  socket->state->sockets[socket->id - 1] = NULL;
  if (socket->in_callback) {
    socket->free_after_callback = 1;
  } else {
    free(socket);
  }
}

/* close(id, finalCounters: Float64Array) -> boolean (false when already closed). The final
 * counters are copied out first: they are still wanted for the report after the socket is gone. */
napi_value udp_close(napi_env env, napi_callback_info info) {
  addon_state_t *state;
  size_t argc = 2;
  napi_value argv[2], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state);
  uint32_t id = 0;
  double *out = NULL;
  if (argc < 2 || napi_get_value_uint32(env, argv[0], &id) != napi_ok ||
      !typed_array_data(env, argv[1], napi_float64_array, C_COUNT, (void **)&out)) {
    return throw_type(env, "close(id, Float64Array)");
  }
  udp_socket_t *socket = socket_lookup(state, id);
  if (socket) {
    copy_counters(socket, out);
    socket_release(socket, 0);
  }
  napi_get_boolean(env, socket != NULL, &result);
  return result;
}

/* counters(id, out: Float64Array) -> boolean (false when the socket is closed). */
napi_value udp_counters(napi_env env, napi_callback_info info) {
  addon_state_t *state;
  size_t argc = 2;
  napi_value argv[2], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state);
  uint32_t id = 0;
  double *out = NULL;
  if (argc < 2 || napi_get_value_uint32(env, argv[0], &id) != napi_ok ||
      !typed_array_data(env, argv[1], napi_float64_array, C_COUNT, (void **)&out)) {
    return throw_type(env, "counters(id, Float64Array)");
  }
  udp_socket_t *socket = socket_lookup(state, id);
  if (socket) copy_counters(socket, out);
  napi_get_boolean(env, socket != NULL, &result);
  return result;
}

/* parseAddress(host, out: Uint32Array(4)) -> 4 | 6 | 0 (not a numeric address). */
napi_value udp_parse_address(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char host[64];
  uint32_t *out = NULL;
  if (argc < 2 || !typed_array_data(env, argv[1], napi_uint32_array, 4, (void **)&out)) {
    return throw_type(env, "parseAddress(host, Uint32Array(4))");
  }
  uint8_t family = 0;
  if (!read_string(env, argv[0], host, sizeof host) || !parse_numeric_host(host, &family, out)) family = 0;
  napi_create_uint32(env, family, &result);
  return result;
}

/* formatAddress(family, w0, w1, w2, w3) -> the textual address (inet_ntop). */
napi_value udp_format_address(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t family = 0, words[4] = {0, 0, 0, 0};
  napi_get_value_uint32(env, argv[0], &family);
  for (int i = 0; i < 4 && (size_t)i + 1 < argc; i++) napi_get_value_uint32(env, argv[i + 1], &words[i]);
  char text[INET6_ADDRSTRLEN] = "";
  uint32_t raw[4];
  if (family == 4) {
    raw[0] = htonl(words[0]);
    inet_ntop(AF_INET, raw, text, sizeof text);
  } else if (family == 6) {
    for (int i = 0; i < 4; i++) raw[i] = htonl(words[i]);
    inet_ntop(AF_INET6, raw, text, sizeof text);
  }
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result);
  return result;
}
