/*
 * The receive side: libuv tells us the socket is readable (uv_poll_t on this thread's loop),
 * recvmmsg fills a preallocated batch of fixed slots, and JS is called once per batch with the
 * count. Per datagram JS sees numbers in typed arrays, never an object.
 *
 * JS may stop receiving or close the socket from inside its callback: the socket then lives until
 * the callback has returned, and no further batch is read.
 */
#include "avcm-udp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Datagrams may keep arriving as fast as we read them; after this many full batches in one wake
 * the loop gets a turn (timers, other sockets), and libuv wakes us again for the rest. */
#define MAX_BATCHES_PER_WAKE 8

/* Room for SCM_TIMESTAMPNS (a timespec) and SO_RXQ_OVFL (a u32), with margin. */
typedef union {
  char buffer[128];
  struct cmsghdr align;
} receive_control_t;

typedef struct receive_batch {
  uint32_t capacity;
  uint32_t slot_bytes;
  uint8_t *slab;
  uint32_t *lengths;
  uint8_t *family;
  uint32_t *address; /* 4 words per datagram */
  uint16_t *port;
  double *arrival_epoch_ms;
  uint8_t *truncated;
  uint8_t *kind; /* datagram_kind_t per datagram (KIND_PLAIN unless the socket demultiplexes) */
  napi_ref arrays; /* keeps the JS memory above alive as long as this batch */
  struct mmsghdr *messages;
  struct iovec *iovecs;
  struct sockaddr_in6 *names;
  receive_control_t *controls;
} receive_batch_t;

static void receive_batch_free(napi_env env, void *data, void *hint) {
  (void)hint;
  receive_batch_t *batch = data;
  if (batch->arrays) napi_delete_reference(env, batch->arrays);
  free(batch->messages);
  free(batch->iovecs);
  free(batch->names);
  free(batch->controls);
  free(batch);
}

/* createReceiveBatch(capacity, slotBytes, slab, lengths, family, address, port, arrivalEpochMs,
 *                    truncated, kind) -> external. */
napi_value receive_batch_create(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10], external;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t capacity = 0, slot_bytes = 0;
  if (argc < 10 || napi_get_value_uint32(env, argv[0], &capacity) != napi_ok || capacity == 0 ||
      napi_get_value_uint32(env, argv[1], &slot_bytes) != napi_ok || slot_bytes == 0) {
    return throw_type(env, "createReceiveBatch: capacity and slotBytes must be positive integers");
  }
  receive_batch_t *batch = calloc(1, sizeof *batch);
  if (!batch) return throw_errno(env, ENOMEM, "createReceiveBatch", NULL);
  batch->capacity = capacity;
  batch->slot_bytes = slot_bytes;
  size_t slab_bytes = 0;
  bool is_buffer = false;
  napi_is_buffer(env, argv[2], &is_buffer);
  if (!is_buffer || napi_get_buffer_info(env, argv[2], (void **)&batch->slab, &slab_bytes) != napi_ok ||
      slab_bytes < (size_t)capacity * slot_bytes ||
      !typed_array_data(env, argv[3], napi_uint32_array, capacity, (void **)&batch->lengths) ||
      !typed_array_data(env, argv[4], napi_uint8_array, capacity, (void **)&batch->family) ||
      !typed_array_data(env, argv[5], napi_uint32_array, capacity * 4, (void **)&batch->address) ||
      !typed_array_data(env, argv[6], napi_uint16_array, capacity, (void **)&batch->port) ||
      !typed_array_data(env, argv[7], napi_float64_array, capacity, (void **)&batch->arrival_epoch_ms) ||
      !typed_array_data(env, argv[8], napi_uint8_array, capacity, (void **)&batch->truncated) ||
      !typed_array_data(env, argv[9], napi_uint8_array, capacity, (void **)&batch->kind)) {
    free(batch);
    return throw_type(env, "createReceiveBatch: an array is missing, of the wrong type or too short");
  }
  batch->messages = calloc(capacity, sizeof *batch->messages);
  batch->iovecs = calloc(capacity, sizeof *batch->iovecs);
  batch->names = calloc(capacity, sizeof *batch->names);
  batch->controls = calloc(capacity, sizeof *batch->controls);
  if (!batch->messages || !batch->iovecs || !batch->names || !batch->controls) {
    receive_batch_free(env, batch, NULL);
    return throw_errno(env, ENOMEM, "createReceiveBatch", NULL);
  }
  for (uint32_t i = 0; i < capacity; i++) {
    batch->iovecs[i].iov_base = batch->slab + (size_t)i * slot_bytes;
    batch->iovecs[i].iov_len = slot_bytes;
    batch->messages[i].msg_hdr.msg_iov = &batch->iovecs[i];
    batch->messages[i].msg_hdr.msg_iovlen = 1;
    batch->messages[i].msg_hdr.msg_name = &batch->names[i];
    batch->messages[i].msg_hdr.msg_control = batch->controls[i].buffer;
  }
  batch->arrays = hold_values(env, argv + 2, 8);
  napi_create_external(env, batch, receive_batch_free, NULL, &external);
  return external;
}

static double realtime_epoch_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

/* RFC 7983 by the first byte: RTP/RTCP (128-191) is unprotected here once the socket has its
 * SRTP session (the plain length replaces *length); STUN (0-3) and DTLS (20-63), and media that
 * arrives before the keys, are for the ICE/DTLS stack. */
static datagram_kind_t classify(udp_socket_t *socket, uint8_t *datagram, uint32_t *length) {
  if (*length == 0) return KIND_OTHER;
  uint8_t first = datagram[0];
  if (first >= 128 && first <= 191) {
    if (!socket->srtp) return KIND_PASS;
    int plain = avcm_srtp_unprotect(socket->srtp, datagram, *length);
    if (plain < 0) return KIND_REJECTED;
    *length = (uint32_t)plain;
    return KIND_MEDIA;
  }
  if (first <= 3 || (first >= 20 && first <= 63)) return KIND_PASS;
  return KIND_OTHER;
}

/* Reads what the kernel holds, up to the batch's capacity; returns the datagram count. */
static uint32_t receive_into(udp_socket_t *socket, receive_batch_t *batch) {
  uint32_t got = 0;
  /* A pending socket error (ICMP) ends a recvmmsg early and is reported by the next call; a few
   * attempts read past it in the same wake. */
  for (int attempt = 0; attempt < 4 && got < batch->capacity; attempt++) {
    for (uint32_t i = got; i < batch->capacity; i++) {
      struct msghdr *header = &batch->messages[i].msg_hdr;
      header->msg_namelen = sizeof batch->names[i];
      header->msg_controllen = sizeof batch->controls[i].buffer;
      header->msg_flags = 0;
    }
    uint32_t wanted = batch->capacity - got;
    int n = recvmmsg(socket->fd, batch->messages + got, wanted, MSG_DONTWAIT, NULL);
    socket->counters[C_RECEIVE_CALLS]++;
    if (n > 0) {
      got += (uint32_t)n;
      if ((uint32_t)n < wanted) break; /* the queue was empty */
      continue;
    }
    int err = n < 0 ? errno : EAGAIN;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) break;
    socket->counters[C_RECEIVE_ERRORS]++;
    socket->counters[C_LAST_RECEIVE_ERRNO] = err;
  }
  if (got == 0) return 0;

  /* Used only when a datagram carries no kernel timestamp. */
  double fallback_ms = realtime_epoch_ms();
  for (uint32_t i = 0; i < got; i++) {
    struct msghdr *header = &batch->messages[i].msg_hdr;
    uint32_t length = batch->messages[i].msg_len;
    batch->lengths[i] = length;
    batch->truncated[i] = (header->msg_flags & MSG_TRUNC) ? 1 : 0;
    if (header->msg_namelen > 0) {
      address_to_words((struct sockaddr *)&batch->names[i], &batch->family[i], &batch->address[i * 4], &batch->port[i]);
    } else {
      batch->family[i] = 0;
      batch->port[i] = 0;
    }
    double arrival = fallback_ms;
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(header); cmsg; cmsg = CMSG_NXTHDR(header, cmsg)) {
      if (cmsg->cmsg_level != SOL_SOCKET) continue;
      if (cmsg->cmsg_type == SCM_TIMESTAMPNS) {
        struct timespec stamp;
        memcpy(&stamp, CMSG_DATA(cmsg), sizeof stamp);
        arrival = (double)stamp.tv_sec * 1e3 + (double)stamp.tv_nsec / 1e6;
      } else if (cmsg->cmsg_type == SO_RXQ_OVFL) {
        memcpy(&socket->last_rxq_ovfl, CMSG_DATA(cmsg), sizeof socket->last_rxq_ovfl);
      }
    }
    batch->arrival_epoch_ms[i] = arrival;
    socket->counters[C_DATAGRAMS_RECEIVED]++;
    socket->counters[C_BYTES_RECEIVED] += length;
    if (batch->truncated[i]) socket->counters[C_TRUNCATED]++;
    batch->kind[i] = socket->demux && !batch->truncated[i] ? classify(socket, batch->slab + (size_t)i * batch->slot_bytes, &batch->lengths[i]) : KIND_PLAIN;
  }
  return got;
}

/* Calls JS onBatch(count). Returns whether this poll handle should go on reading. */
static int deliver(udp_socket_t *socket, uint32_t count) {
  napi_env env = socket->state->env;
  uv_poll_t *poll = socket->poll;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, receiver, argument;
  napi_get_reference_value(env, socket->rx_callback_ref, &callback);
  napi_get_global(env, &receiver); /* make_callback needs an object as `this` */
  napi_create_uint32(env, count, &argument);
  socket->counters[C_BATCHES_DELIVERED]++;
  socket->in_callback = 1;
  /* make_callback, unlike call_function, runs process.nextTick and microtasks afterwards, as
   * Node does after its own I/O callbacks. */
  napi_status status = napi_make_callback(env, socket->rx_async, receiver, callback, 1, &argument, NULL);
  socket->in_callback = 0;
  if (socket->rx_async_retired) {
    napi_async_destroy(env, socket->rx_async_retired);
    socket->rx_async_retired = NULL;
  }
  int go_on = !socket->free_after_callback && socket->poll == poll;
  if (socket->free_after_callback) free(socket);
  if (status == napi_pending_exception) {
    /* A throwing onBatch is an uncaught exception, as it would be in a dgram 'message' handler. */
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
    go_on = 0;
  }
  napi_close_handle_scope(env, scope);
  return go_on;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  udp_socket_t *socket = handle->data;
  if (status < 0) {
    /* libuv reports POLLERR as UV_EBADF and stops the handle. On a UDP socket POLLERR is a pending
     * socket error, e.g. ECONNREFUSED on a connected socket after an ICMP port unreachable: read it
     * (SO_ERROR clears it), count it, and keep receiving, or the socket would never be read again.
     * Without a pending error the descriptor itself is bad: count that and stay stopped. */
    int err = 0;
    socklen_t length = sizeof err;
    if (getsockopt(socket->fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) err = 0;
    socket->counters[C_RECEIVE_ERRORS]++;
    socket->counters[C_LAST_RECEIVE_ERRNO] = err != 0 ? err : -status;
    if (err != 0) uv_poll_start(handle, UV_READABLE, on_readable);
    return;
  }
  for (int round = 0; round < MAX_BATCHES_PER_WAKE; round++) {
    receive_batch_t *batch = socket->rx;
    uint32_t count = receive_into(socket, batch);
    if (count == 0) return;
    int full = count == batch->capacity;
    if (!deliver(socket, count) || !full) return;
  }
}

/* startReceiving(id, batchExternal, onBatch) */
napi_value receive_start(napi_env env, napi_callback_info info) {
  addon_state_t *state;
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state);
  uint32_t id = 0;
  receive_batch_t *batch = NULL;
  napi_valuetype callback_type = napi_undefined;
  if (argc >= 3) napi_typeof(env, argv[2], &callback_type);
  if (argc < 3 || napi_get_value_uint32(env, argv[0], &id) != napi_ok ||
      napi_get_value_external(env, argv[1], (void **)&batch) != napi_ok || callback_type != napi_function) {
    return throw_type(env, "startReceiving(id, batch, onBatch)");
  }
  udp_socket_t *socket = socket_lookup(state, id);
  if (!socket) return throw_errno(env, EBADF, "startReceiving", "(the socket is closed)");
  if (socket->poll) return throw_errno(env, EBUSY, "startReceiving", "(already receiving)");

  int one = 1;
  setsockopt(socket->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  uv_poll_t *poll = malloc(sizeof *poll);
  if (!poll) return throw_errno(env, ENOMEM, "startReceiving", NULL);
  int rc = uv_poll_init(state->loop, poll, socket->fd);
  if (rc != 0) {
    free(poll);
    return throw_errno(env, -rc, "uv_poll_init", NULL);
  }
  poll->data = socket;
  rc = uv_poll_start(poll, UV_READABLE, on_readable);
  if (rc != 0) {
    poll->data = state;
    state->pending_poll_closes++;
    uv_close((uv_handle_t *)poll, poll_handle_closed);
    return throw_errno(env, -rc, "uv_poll_start", NULL);
  }
  napi_value resource_name;
  napi_create_string_utf8(env, "avcm.udpReceive", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &socket->rx_async);
  napi_create_reference(env, argv[1], 1, &socket->rx_batch_ref);
  napi_create_reference(env, argv[2], 1, &socket->rx_callback_ref);
  socket->rx = batch;
  socket->poll = poll;
  return NULL;
}

/* stopReceiving(id): no further onBatch calls; safe from inside onBatch. */
napi_value receive_stop(napi_env env, napi_callback_info info) {
  addon_state_t *state;
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state);
  uint32_t id = 0;
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &id) != napi_ok) return throw_type(env, "stopReceiving(id)");
  udp_socket_t *socket = socket_lookup(state, id);
  if (socket) socket_stop_receiving(socket, 0);
  return NULL;
}
