/*
 * The send side: JS packs packets into one slab (packet i = slab[offsets[i], +lengths[i]), sent
 * on socket socket_ids[i]) and calls flush() once. Each run of consecutive packets on the same
 * socket costs one sendmmsg call; on a connected socket, equal-sized packets of a run are
 * coalesced into UDP GSO super-datagrams that the kernel splits back into the same datagrams.
 *
 * Full socket buffers (EAGAIN/ENOBUFS) drop the rest of that socket's run and count it: retrying
 * at once meets the same full buffer, and the pacer calling flush must never wait.
 */
#include "avcm-udp.h"

#include <errno.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* UDP_MAX_SEGMENTS was 64 until Linux 6.x raised it to 128; 64 works on every GSO kernel (4.18+). */
#define GSO_MAX_SEGMENTS 64
/* A super-datagram is still one UDP datagram: 65535 minus the IPv4 and UDP headers (IPv6's
 * payload length does not count its own 40-byte header). */
#define GSO_MAX_BYTES_V4 65507
#define GSO_MAX_BYTES_V6 65527

typedef union {
  char buffer[CMSG_SPACE(sizeof(uint16_t))];
  struct cmsghdr align;
} gso_control_t;

typedef struct send_batch {
  uint32_t capacity;
  uint8_t *slab;
  size_t slab_bytes;
  uint32_t *socket_ids;
  uint32_t *offsets;
  uint32_t *lengths;
  uint8_t *dest_family; /* 0 = the socket's connected peer */
  uint16_t *dest_port;
  uint32_t *dest_address; /* 4 words per packet */
  double *result;
  napi_ref arrays; /* keeps the JS memory above alive as long as this batch */
  /* Scratch for building system calls, one entry per possible message (a message holds >= 1 packet). */
  struct mmsghdr *messages;
  struct iovec *iovecs;
  struct sockaddr_in6 *names;
  gso_control_t *controls;
  uint32_t *message_first;
  uint32_t *message_packets;
  uint8_t *skip;  /* per packet: 1 = not sent (SRTP refused to protect it; counted) */
  uint32_t count; /* packets in the flush under way: the last one's room runs to the slab's end */
} send_batch_t;

static void send_batch_free(napi_env env, void *data, void *hint) {
  (void)hint;
  send_batch_t *batch = data;
  if (batch->arrays) napi_delete_reference(env, batch->arrays);
  free(batch->messages);
  free(batch->iovecs);
  free(batch->names);
  free(batch->controls);
  free(batch->message_first);
  free(batch->message_packets);
  free(batch->skip);
  free(batch);
}

/* createSendBatch(capacity, slab, socketIds, offsets, lengths, destFamily, destPort, destAddress,
 *                 result) -> external, which keeps those arrays alive until it is collected. */
napi_value send_batch_create(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9], external;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t capacity = 0;
  if (argc < 9 || napi_get_value_uint32(env, argv[0], &capacity) != napi_ok || capacity == 0) {
    return throw_type(env, "createSendBatch: capacity must be a positive integer");
  }
  send_batch_t *batch = calloc(1, sizeof *batch);
  if (!batch) return throw_errno(env, ENOMEM, "createSendBatch", NULL);
  batch->capacity = capacity;
  size_t slab_bytes = 0;
  bool is_buffer = false;
  napi_is_buffer(env, argv[1], &is_buffer);
  if (!is_buffer || napi_get_buffer_info(env, argv[1], (void **)&batch->slab, &slab_bytes) != napi_ok ||
      !typed_array_data(env, argv[2], napi_uint32_array, capacity, (void **)&batch->socket_ids) ||
      !typed_array_data(env, argv[3], napi_uint32_array, capacity, (void **)&batch->offsets) ||
      !typed_array_data(env, argv[4], napi_uint32_array, capacity, (void **)&batch->lengths) ||
      !typed_array_data(env, argv[5], napi_uint8_array, capacity, (void **)&batch->dest_family) ||
      !typed_array_data(env, argv[6], napi_uint16_array, capacity, (void **)&batch->dest_port) ||
      !typed_array_data(env, argv[7], napi_uint32_array, capacity * 4, (void **)&batch->dest_address) ||
      !typed_array_data(env, argv[8], napi_float64_array, F_COUNT, (void **)&batch->result)) {
    free(batch);
    return throw_type(env, "createSendBatch: an array is missing, of the wrong type or too short");
  }
  batch->slab_bytes = slab_bytes;
  batch->messages = calloc(capacity, sizeof *batch->messages);
  batch->iovecs = calloc(capacity, sizeof *batch->iovecs);
  batch->names = calloc(capacity, sizeof *batch->names);
  batch->controls = calloc(capacity, sizeof *batch->controls);
  batch->message_first = calloc(capacity, sizeof *batch->message_first);
  batch->message_packets = calloc(capacity, sizeof *batch->message_packets);
  batch->skip = calloc(capacity, sizeof *batch->skip);
  if (!batch->messages || !batch->iovecs || !batch->names || !batch->controls ||
      !batch->message_first || !batch->message_packets || !batch->skip) {
    send_batch_free(env, batch, NULL);
    return throw_errno(env, ENOMEM, "createSendBatch", NULL);
  }
  batch->arrays = hold_values(env, argv + 1, 8);
  napi_create_external(env, batch, send_batch_free, NULL, &external);
  return external;
}

static void count_error(udp_socket_t *socket, double *result, int err, uint32_t packets) {
  result[F_ERRORS]++;
  result[F_PACKETS_DROPPED] += packets;
  socket->counters[C_SEND_ERRORS]++;
  socket->counters[C_SEND_DROPPED] += packets;
  socket->counters[C_LAST_SEND_ERRNO] = err;
  if (err == ECONNREFUSED) socket->counters[C_CONNECTION_REFUSED]++;
}

/* How Linux says "not GSO on this path": EIO (no checksum offload, xfrm), EINVAL (no UDP
 * checksum, too many segments), EMSGSIZE (segment larger than the path MTU), or no support. */
static int is_gso_refusal(int err) {
  return err == EIO || err == EINVAL || err == EMSGSIZE || err == ENOPROTOOPT || err == EOPNOTSUPP;
}

/* Turns packets [first, end) of one socket into messages; returns how many. A packet whose
 * destination the socket cannot reach is counted once: a rebuild after a GSO refusal passes the
 * same packets again, so only those at or past *counted_until are counted. */
static uint32_t build_messages(send_batch_t *batch, udp_socket_t *socket, uint32_t first, uint32_t end,
                               uint32_t *counted_until, double *result) {
  uint32_t count = 0;
  size_t max_bytes = socket->family == AF_INET6 ? GSO_MAX_BYTES_V6 : GSO_MAX_BYTES_V4;
  uint32_t p = first;
  while (p < end) {
    if (batch->skip[p]) {
      p++;
      continue;
    }
    struct msghdr *header = &batch->messages[count].msg_hdr;
    memset(header, 0, sizeof *header);
    uint32_t segment = batch->lengths[p];
    uint32_t packets = 1;
    size_t bytes = segment;
    if (batch->dest_family[p]) {
      socklen_t length;
      if (words_to_address(socket->family, batch->dest_family[p], &batch->dest_address[p * 4],
                           batch->dest_port[p], &batch->names[count], &length) != 0) {
        if (p >= *counted_until) count_error(socket, result, EAFNOSUPPORT, 1);
        p++;
        continue;
      }
      header->msg_name = &batch->names[count];
      header->msg_namelen = length;
    } else if (socket->gso == GSO_ACTIVE && segment > 0) {
      if (socket->peer_length) {
        header->msg_name = &socket->peer;
        header->msg_namelen = socket->peer_length;
      }
      /* Segments must be equal; only the last may be shorter. They must also be contiguous in
       * the slab to form one iovec; the JS side packs them so, but we check rather than assume. */
      while (p + packets < end && packets < GSO_MAX_SEGMENTS) {
        uint32_t next = p + packets;
        uint32_t length = batch->lengths[next];
        if (batch->dest_family[next] || batch->skip[next] || length == 0 || length > segment || bytes + length > max_bytes ||
            batch->offsets[next] != batch->offsets[p] + bytes) {
          break;
        }
        packets++;
        bytes += length;
        if (length < segment) break;
      }
      if (packets > 1) {
        gso_control_t *control = &batch->controls[count];
        header->msg_control = control->buffer;
        header->msg_controllen = sizeof control->buffer;
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(header);
        cmsg->cmsg_level = SOL_UDP;
        cmsg->cmsg_type = UDP_SEGMENT;
        cmsg->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t segment_size = (uint16_t)segment;
        memcpy(CMSG_DATA(cmsg), &segment_size, sizeof segment_size);
      }
    } else if (socket->peer_length) {
      header->msg_name = &socket->peer;
      header->msg_namelen = socket->peer_length;
    }
    batch->iovecs[count].iov_base = batch->slab + batch->offsets[p];
    batch->iovecs[count].iov_len = bytes;
    header->msg_iov = &batch->iovecs[count];
    header->msg_iovlen = 1;
    batch->message_first[count] = p;
    batch->message_packets[count] = packets;
    count++;
    p += packets;
  }
  *counted_until = end;
  return count;
}

static void count_sent(send_batch_t *batch, udp_socket_t *socket, uint32_t from, uint32_t to, double *result) {
  for (uint32_t m = from; m < to; m++) {
    uint32_t packets = batch->message_packets[m];
    double bytes = (double)batch->iovecs[m].iov_len;
    result[F_PACKETS_SENT] += packets;
    result[F_BYTES_SENT] += bytes;
    socket->counters[C_PACKETS_SENT] += packets;
    socket->counters[C_BYTES_SENT] += bytes;
    if (packets > 1) {
      result[F_GSO_DATAGRAMS]++;
      socket->counters[C_GSO_DATAGRAMS]++;
    }
  }
}

/* SRTP/SRTCP-protects the RTP and RTCP packets of [first, end) in place, once, before anything
 * is sent (a GSO refusal resends from the slab: those bytes are already protected). Each packet's
 * room is the slab up to the next packet: the JS side reserved the trailer there. STUN and DTLS
 * (the ICE/DTLS stack's own packets) go out as they are. */
static void protect_run(send_batch_t *batch, udp_socket_t *socket, uint32_t first, uint32_t end, double *result) {
  for (uint32_t p = first; p < end; p++) {
    uint8_t *packet = batch->slab + batch->offsets[p];
    uint32_t length = batch->lengths[p];
    if (!avcm_srtp_is_media(packet, length)) continue;
    size_t next = p + 1 < batch->count ? batch->offsets[p + 1] : batch->slab_bytes;
    size_t room = next > batch->offsets[p] ? next - batch->offsets[p] : 0;
    int protected_length = avcm_srtp_protect(socket->srtp, packet, length, room);
    if (protected_length < 0) {
      batch->skip[p] = 1;
      count_error(socket, result, EPROTO, 1);
    } else {
      batch->lengths[p] = (uint32_t)protected_length;
    }
  }
}

/* Sends packets [first, end), all on `socket`. */
static void send_run(send_batch_t *batch, udp_socket_t *socket, uint32_t first, uint32_t end, double *result) {
  if (socket->srtp) protect_run(batch, socket, first, end, result);
  uint32_t p = first;
  uint32_t counted_until = first;
  while (p < end) {
    uint32_t count = build_messages(batch, socket, p, end, &counted_until, result);
    uint32_t k = 0;
    p = end;
    while (k < count) {
      int sent = sendmmsg(socket->fd, batch->messages + k, count - k, MSG_DONTWAIT);
      result[F_SEND_CALLS]++;
      socket->counters[C_SEND_CALLS]++;
      if (sent > 0) {
        count_sent(batch, socket, k, k + (uint32_t)sent, result);
        k += (uint32_t)sent;
        continue;
      }
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
        uint32_t dropped = 0;
        for (uint32_t m = k; m < count; m++) dropped += batch->message_packets[m];
        result[F_WOULD_BLOCK]++;
        result[F_PACKETS_DROPPED] += dropped;
        socket->counters[C_WOULD_BLOCK]++;
        socket->counters[C_SEND_DROPPED] += dropped;
        socket->counters[C_LAST_SEND_ERRNO] = err;
        return;
      }
      if (batch->message_packets[k] > 1 && socket->gso == GSO_ACTIVE && is_gso_refusal(err)) {
        /* Nothing of this message left; resend it and the rest as plain datagrams, for good. */
        socket->gso = GSO_REFUSED;
        socket->counters[C_GSO_STATE] = GSO_REFUSED;
        socket->counters[C_GSO_REFUSED_ERRNO] = err;
        result[F_GSO_FALLBACKS]++;
        p = batch->message_first[k];
        break;
      }
      /* This message was not sent (e.g. ECONNREFUSED: an ICMP port unreachable answered an
       * earlier datagram); the error is consumed, so the next message gets a fresh try. */
      count_error(socket, result, err, batch->message_packets[k]);
      k++;
    }
  }
}

/* flush(external, count) -> packets the kernel accepted; details in the batch's result array. */
napi_value send_batch_flush(napi_env env, napi_callback_info info) {
  addon_state_t *state;
  size_t argc = 2;
  napi_value argv[2], sent;
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state);
  send_batch_t *batch = NULL;
  uint32_t count = 0;
  if (argc < 2 || napi_get_value_external(env, argv[0], (void **)&batch) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &count) != napi_ok || count > batch->capacity) {
    return throw_type(env, "flush(batch, count <= capacity)");
  }
  for (uint32_t i = 0; i < count; i++) {
    if ((size_t)batch->offsets[i] + batch->lengths[i] > batch->slab_bytes) {
      return throw_type(env, "flush: a packet lies outside the slab");
    }
  }
  double *result = batch->result;
  memset(result, 0, F_COUNT * sizeof *result);
  memset(batch->skip, 0, count);
  batch->count = count;
  uint32_t i = 0;
  while (i < count) {
    uint32_t id = batch->socket_ids[i];
    uint32_t end = i + 1;
    while (end < count && batch->socket_ids[end] == id) end++;
    udp_socket_t *socket = socket_lookup(state, id);
    if (socket) {
      send_run(batch, socket, i, end, result);
    } else {
      /* Closed (or never opened) after its packets were pushed: nothing to send them on. */
      result[F_ERRORS]++;
      result[F_PACKETS_DROPPED] += end - i;
    }
    i = end;
  }
  napi_create_double(env, result[F_PACKETS_SENT], &sent);
  return sent;
}
