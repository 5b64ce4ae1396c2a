/*
 * avcm's batched UDP I/O addon: shared types.
 *
 * Why an addon at all: node:dgram makes one system call and (on receive) one JS event per
 * datagram, ~6-9 us of CPU each. Here JS copies packets into a preallocated batch and makes ONE
 * native call per batch (sendmmsg, UDP GSO), and the receive side calls JS once per recvmmsg
 * batch. Nothing in this addon allocates per packet: every array is sized when a batch is made.
 *
 * Linux only (sendmmsg, recvmmsg, UDP_SEGMENT, SO_RXQ_OVFL, SO_MEMINFO).
 */
#ifndef AVCM_UDP_H
#define AVCM_UDP_H

#include <node_api.h>
#include <uv.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "srtp.h"

/* Per-socket counters, copied to JS as one Float64Array. The names are exported with the same
 * order (COUNTER_NAMES in addon.c) so the TypeScript side maps them by name, never by position. */
enum {
  C_PACKETS_SENT,
  C_BYTES_SENT,
  C_SEND_CALLS,
  C_GSO_DATAGRAMS,
  C_WOULD_BLOCK,
  C_SEND_DROPPED,
  C_SEND_ERRORS,
  C_CONNECTION_REFUSED,
  C_LAST_SEND_ERRNO,
  C_GSO_STATE,
  C_GSO_REFUSED_ERRNO,
  C_DATAGRAMS_RECEIVED,
  C_BYTES_RECEIVED,
  C_RECEIVE_CALLS,
  C_BATCHES_DELIVERED,
  C_TRUNCATED,
  C_RECEIVE_ERRORS,
  C_LAST_RECEIVE_ERRNO,
  C_KERNEL_DROPS,
  C_COUNT
};

/* What one flush did, written into the batch's result Float64Array (names: FLUSH_NAMES). */
enum {
  F_PACKETS_SENT,
  F_BYTES_SENT,
  F_PACKETS_DROPPED,
  F_WOULD_BLOCK,
  F_ERRORS,
  F_SEND_CALLS,
  F_GSO_DATAGRAMS,
  F_GSO_FALLBACKS,
  F_COUNT
};

/* What a WebRTC socket's receive batch says about each datagram (RFC 7983 by its first byte),
 * in the batch's `kind` array. Sockets opened without `demux` report KIND_PLAIN for all. */
typedef enum {
  KIND_PLAIN = 0,    /* not classified: a plain RTP/RTCP socket */
  KIND_MEDIA = 1,    /* RTP or RTCP, unprotected in place (SRTP/SRTCP authenticated and decrypted) */
  KIND_PASS = 2,     /* STUN (0-3) or DTLS (20-63), or RTP/RTCP before keys: for the ICE/DTLS stack */
  KIND_REJECTED = 3, /* SRTP/SRTCP that failed: tag, replay, too old, malformed (the session counts why) */
  KIND_OTHER = 4     /* none of those ranges (TURN channel data, ZRTP, empty): dropped */
} datagram_kind_t;

typedef enum {
  GSO_ACTIVE = 0,      /* connected socket, kernel has UDP_SEGMENT: same-socket runs are coalesced */
  GSO_REFUSED = 1,     /* the kernel refused a GSO send once: sendmmsg from then on */
  GSO_UNSUPPORTED = 2, /* the kernel has no UDP_SEGMENT (getsockopt failed at open) */
  GSO_DISABLED = 3     /* asked not to, or not connected */
} gso_state_t;

struct addon_state;
struct receive_batch;

typedef struct udp_socket {
  uint32_t id;
  int fd;
  int family; /* AF_INET or AF_INET6 */
  gso_state_t gso;
  int gso_wanted;  /* asked for at open: an unconnected socket gets GSO once it has a peer */
  int demux;       /* a WebRTC socket: classify received datagrams (datagram_kind_t) */
  avcm_srtp_t *srtp; /* attached: flushes protect its RTP/RTCP, receives unprotect them */
  struct sockaddr_in6 peer; /* default destination of an unconnected socket (peer_length 0: none) */
  socklen_t peer_length;
  uint32_t last_rxq_ovfl; /* the kernel's drop count as last seen in an SO_RXQ_OVFL cmsg */
  double counters[C_COUNT];
  struct addon_state *state;

  /* Receiving (all zero/NULL while not receiving). */
  uv_poll_t *poll;
  struct receive_batch *rx;
  napi_ref rx_batch_ref;    /* keeps the batch alive while the kernel may write into it */
  napi_ref rx_callback_ref;
  napi_async_context rx_async;
  napi_async_context rx_async_retired; /* stopped during its own callback: destroyed after it */
  int in_callback;          /* JS onBatch is running: close() must not free us under it */
  int free_after_callback;  /* close() ran during the callback: the poll callback frees us */
} udp_socket_t;

typedef struct addon_state {
  napi_env env;
  uv_loop_t *loop;
  /* Socket ids are table index + 1 and are never reused, so a batch still holding the id of a
   * closed socket cannot send on a newer one. 8 bytes per socket ever opened in this thread. */
  udp_socket_t **sockets;
  uint32_t socket_count;
  uint32_t socket_capacity;
  napi_async_cleanup_hook_handle cleanup_hook;
  int pending_poll_closes;
  int tearing_down;
} addon_state_t;

/* udp-socket.c */
napi_value udp_open(napi_env env, napi_callback_info info);
napi_value udp_close(napi_env env, napi_callback_info info);
napi_value udp_counters(napi_env env, napi_callback_info info);
napi_value udp_parse_address(napi_env env, napi_callback_info info);
napi_value udp_format_address(napi_env env, napi_callback_info info);
udp_socket_t *socket_lookup(addon_state_t *state, uint32_t id);
void socket_release(udp_socket_t *socket, int from_teardown);
void socket_stop_receiving(udp_socket_t *socket, int from_teardown);

/* srtp-binding.c */
napi_value js_srtp_create(napi_env env, napi_callback_info info);
napi_value js_srtp_protect(napi_env env, napi_callback_info info);
napi_value js_srtp_unprotect(napi_env env, napi_callback_info info);
napi_value js_srtp_counters(napi_env env, napi_callback_info info);
napi_value js_srtp_attach(napi_env env, napi_callback_info info);
napi_value js_set_peer(napi_env env, napi_callback_info info);
napi_value js_srtp_counter_names(napi_env env);

/* send-batch.c */
napi_value send_batch_create(napi_env env, napi_callback_info info);
napi_value send_batch_flush(napi_env env, napi_callback_info info);

/* receive-batch.c */
napi_value receive_batch_create(napi_env env, napi_callback_info info);
napi_value receive_start(napi_env env, napi_callback_info info);
napi_value receive_stop(napi_env env, napi_callback_info info);

/* addon.c: helpers shared by the files above */
napi_value throw_errno(napi_env env, int err, const char *syscall, const char *detail);
napi_value throw_type(napi_env env, const char *message);
/* Any typed array or Buffer as bytes (data and byte length). */
int typed_array_bytes(napi_env env, napi_value value, void **data, size_t *bytes);
int typed_array_data(napi_env env, napi_value value, napi_typedarray_type type, size_t min_length, void **data);
napi_ref hold_values(napi_env env, const napi_value *values, size_t count);
void poll_handle_closed(uv_handle_t *handle);

/* Numeric addresses as JS sees them: family 4 or 6, four host-order 32-bit words (IPv4 in word 0),
 * port in host order. IPv4-mapped IPv6 sources are reported as family 4. */
int parse_numeric_host(const char *host, uint8_t *family, uint32_t words[4]);
void address_to_words(const struct sockaddr *address, uint8_t *family, uint32_t words[4], uint16_t *port);
int words_to_address(int socket_family, uint8_t family, const uint32_t words[4], uint16_t port,
                     struct sockaddr_in6 *out, socklen_t *length);

#endif
