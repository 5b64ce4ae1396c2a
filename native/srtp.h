/*
 * SRTP and SRTCP (RFC 3711; AES-GCM from RFC 7714) for the batched path: one session per
 * DTLS-SRTP association (RFC 5764), protecting in place what the send batch holds and
 * unprotecting in place what the receive batch read.
 *
 * The cryptography is the OpenSSL that Node itself links and exports to addons (EVP AES-128-CTR
 * and AES-128-GCM with AES-NI, SHA-1 with the SHA extensions); this file adds only the SRTP
 * framing: key derivation, the packet index (ROC) per SSRC, the SRTCP index, the replay lists.
 * Nothing here allocates per packet: per-SSRC state is made on a stream's first packet (after it
 * authenticated, on the receive side).
 */
#ifndef AVCM_SRTP_H
#define AVCM_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* DTLS-SRTP protection profile numbers (RFC 5764 section 4.1.2, RFC 7714 section 14.2). */
#define SRTP_PROFILE_AES128_CM_SHA1_80 0x0001
#define SRTP_PROFILE_AEAD_AES_128_GCM 0x0007

/* Why protect/unprotect refused a packet (returned negated: results >= 0 are lengths). */
enum {
  SRTP_ERR_MALFORMED = 1, /* too short, or a header that runs past the packet */
  SRTP_ERR_AUTH = 2,      /* the authentication tag did not match */
  SRTP_ERR_REPLAY = 3,    /* this index was already received */
  SRTP_ERR_TOO_OLD = 4,   /* older than the replay window */
  SRTP_ERR_ROOM = 5,      /* no room after the packet for the trailer */
  SRTP_ERR_CRYPTO = 6,    /* OpenSSL refused a call (never expected) */
  SRTP_ERR_STREAMS = 7    /* more SSRCs than one session keeps state for */
};

/* Per-session counters, copied to JS as one Float64Array (names: SRTP_COUNTER_NAMES in srtp-binding.c). */
enum {
  S_RTP_PROTECTED,
  S_RTCP_PROTECTED,
  S_RTP_UNPROTECTED,
  S_RTCP_UNPROTECTED,
  S_AUTH_FAILURES,
  S_REPLAYED,
  S_TOO_OLD,
  S_MALFORMED,
  S_OTHER_ERRORS,
  S_STREAMS,
  S_COUNT
};

typedef struct avcm_srtp avcm_srtp_t;

/* NULL when every libcrypto function this file calls resolves in the process (Node exports
 * them); otherwise the first missing name. Checked once at load, before any call. */
const char *avcm_srtp_crypto_missing(void);

/* A session: the local keys protect what we send, the remote keys unprotect what we receive.
 * Key 16 bytes; salt 14 bytes (AES-CM) or 12 bytes (GCM). NULL on failure (*error set). */
avcm_srtp_t *avcm_srtp_create(int profile, const uint8_t *local_key, const uint8_t *local_salt,
                                    const uint8_t *remote_key, const uint8_t *remote_salt, int *error);
/* Sessions are shared by their JS handle and the sockets they are attached to. */
void avcm_srtp_retain(avcm_srtp_t *session);
void avcm_srtp_release(avcm_srtp_t *session);

/* Bytes protect adds: RTP gets the tag, RTCP the tag and the 4-byte E flag + SRTCP index. */
int avcm_srtp_rtp_overhead(const avcm_srtp_t *session);
int avcm_srtp_rtcp_overhead(const avcm_srtp_t *session);

/* RFC 7983 / RFC 5761, by the first two bytes: RTP or RTCP (first byte 128-191), and of those
 * RTCP (second byte 192-223: the RTCP packet types, which rtcp-mux keeps out of RTP). */
static inline int avcm_srtp_is_media(const uint8_t *packet, size_t length) {
  return length >= 2 && packet[0] >= 128 && packet[0] <= 191;
}
static inline int avcm_srtp_is_rtcp(const uint8_t *packet) {
  return packet[1] >= 192 && packet[1] <= 223;
}

/* Protects the RTP or RTCP packet at packet[0, length) in place; `capacity` bytes are writable.
 * Returns the protected length or -SRTP_ERR_*. */
int avcm_srtp_protect(avcm_srtp_t *session, uint8_t *packet, size_t length, size_t capacity);
/* Checks and decrypts the SRTP or SRTCP packet in place. Returns the plain length or -SRTP_ERR_*
 * (the packet's bytes are then undefined); replayed and too-old packets are refused. */
int avcm_srtp_unprotect(avcm_srtp_t *session, uint8_t *packet, size_t length);

const double *avcm_srtp_counters(const avcm_srtp_t *session);

#endif
