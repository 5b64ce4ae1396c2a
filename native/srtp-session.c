/*
 * SRTP/SRTCP sessions (see srtp.h). Packet layouts, by profile:
 *
 *   AES_CM_128_HMAC_SHA1_80 (RFC 3711):
 *     SRTP   header | payload (AES-CTR) | tag(10) = HMAC-SHA1(header | payload | ROC)
 *     SRTCP  header(8) | rest (AES-CTR) | E+index(4) | tag(10) over everything before it
 *   AEAD_AES_128_GCM (RFC 7714):
 *     SRTP   header (AAD) | payload (AES-GCM) | tag(16)
 *     SRTCP  header(8) (AAD) | rest (AES-GCM) | tag(16) | E+index(4) (AAD too)
 *
 * The session keys come from the DTLS-SRTP master keys by the RFC 3711 key derivation (AES-CM
 * PRF, key derivation rate 0; GCM's 12-byte master salt padded with zeros, as libsrtp does).
 */
#include "srtp.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* SHA1_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP_MAC, but still exported,
 * and they are what makes a keyed HMAC cheap: the key's ipad/opad blocks are hashed once per
 * session and each packet only copies those states. EVP_MAC re-initialises per call. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#define KEY_BYTES 16
#define AUTH_KEY_BYTES 20
#define CM_SALT_BYTES 14
#define GCM_SALT_BYTES 12
#define HMAC_TAG_BYTES 10
#define GCM_TAG_BYTES 16
#define SRTCP_INDEX_BYTES 4
#define SRTCP_E_FLAG 0x80000000u
/* Replay lists: 1024 RTP packets, as browsers keep (a NACKed packet retransmitted on its own
 * SSRC may come a second late at several hundred packets per second), 128 SRTCP packets. */
#define RTP_WINDOW_BITS 1024
#define RTCP_WINDOW_BITS 128
/* A session keeps state for at most this many SSRCs per direction (a participant has a few). */
#define MAX_STREAMS 4096

typedef struct {
  EVP_CIPHER_CTX *cipher; /* AES-128-CTR or AES-128-GCM, keyed once; the IV is set per packet */
  SHA_CTX inner;          /* HMAC-SHA1 after the key's ipad block (AES-CM only) */
  SHA_CTX outer;          /* ... and after its opad block */
  uint8_t salt[CM_SALT_BYTES];
} direction_keys_t;

typedef struct {
  uint32_t ssrc;
  uint8_t used;
  uint8_t rtp_seen;
  uint8_t rtcp_seen;
  uint64_t rtp_highest;  /* the highest packet index: ROC << 16 | SEQ */
  uint64_t rtcp_highest; /* receive: the highest SRTCP index; send: the last one used */
  uint64_t rtp_window[RTP_WINDOW_BITS / 64];   /* receive: bit (index % bits) set = received */
  uint64_t rtcp_window[RTCP_WINDOW_BITS / 64];
} stream_t;

typedef struct {
  stream_t *slots; /* open addressing, linear probing */
  uint32_t capacity; /* a power of two, or 0 */
  uint32_t count;
} stream_table_t;

struct avcm_srtp {
  int profile;
  int gcm;
  int refs;
  direction_keys_t tx_rtp, tx_rtcp, rx_rtp, rx_rtcp;
  stream_table_t tx, rx;
  double counters[S_COUNT];
};

static const char *const CRYPTO_FUNCTIONS[] = {
  "EVP_CIPHER_CTX_new", "EVP_CIPHER_CTX_free", "EVP_CIPHER_CTX_ctrl", "EVP_EncryptInit_ex",
  "EVP_EncryptUpdate", "EVP_EncryptFinal_ex", "EVP_DecryptInit_ex", "EVP_DecryptUpdate",
  "EVP_DecryptFinal_ex", "EVP_aes_128_ctr", "EVP_aes_128_gcm", "SHA1_Init", "SHA1_Update",
  "SHA1_Final", "CRYPTO_memcmp", "OPENSSL_cleanse",
};

const char *avcm_srtp_crypto_missing(void) {
  /* The addon is linked lazily against these (Node's own binary exports them, or the libcrypto a
   * distribution's Node links): a name that does not resolve would abort the process at its
   * first call, so SRTP is offered only when all of them are there. */
  for (size_t i = 0; i < sizeof CRYPTO_FUNCTIONS / sizeof CRYPTO_FUNCTIONS[0]; i++) {
    if (!dlsym(RTLD_DEFAULT, CRYPTO_FUNCTIONS[i])) return CRYPTO_FUNCTIONS[i];
  }
  return NULL;
}

static inline uint32_t read32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint16_t read16(const uint8_t *p) {
  return (uint16_t)((p[0] << 8) | p[1]);
}
static inline void write32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* ---- keys ---------------------------------------------------------------------------------- */

/* RFC 3711 4.3.1 (key derivation rate 0): `length` bytes of AES-CM keystream under the master
 * key, with IV = (master_salt XOR label << 48) << 16. */
static int derive(const uint8_t *master_key, const uint8_t *master_salt, size_t salt_length,
                  uint8_t label, uint8_t *out, int length) {
  static const uint8_t zeros[32];
  uint8_t iv[16] = {0};
  memcpy(iv, master_salt, salt_length);
  iv[7] ^= label;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int written = 0;
  int ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, master_key, iv) == 1 &&
           EVP_EncryptUpdate(ctx, out, &written, zeros, length) == 1 && written == length;
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

static void hmac_init(direction_keys_t *keys, const uint8_t key[AUTH_KEY_BYTES]) {
  uint8_t pad[64];
  memset(pad, 0x36, sizeof pad);
  for (int i = 0; i < AUTH_KEY_BYTES; i++) pad[i] ^= key[i];
  SHA1_Init(&keys->inner);
  SHA1_Update(&keys->inner, pad, sizeof pad);
  memset(pad, 0x5c, sizeof pad);
  for (int i = 0; i < AUTH_KEY_BYTES; i++) pad[i] ^= key[i];
  SHA1_Init(&keys->outer);
  SHA1_Update(&keys->outer, pad, sizeof pad);
  OPENSSL_cleanse(pad, sizeof pad);
}

/* HMAC-SHA1(auth key, data | tail), all 20 bytes. */
static void hmac_sha1(const direction_keys_t *keys, const uint8_t *data, size_t length,
                      const uint8_t *tail, size_t tail_length, uint8_t mac[SHA_DIGEST_LENGTH]) {
  SHA_CTX ctx = keys->inner;
  uint8_t inner[SHA_DIGEST_LENGTH];
  SHA1_Update(&ctx, data, length);
  if (tail_length) SHA1_Update(&ctx, tail, tail_length);
  SHA1_Final(inner, &ctx);
  ctx = keys->outer;
  SHA1_Update(&ctx, inner, sizeof inner);
  SHA1_Final(mac, &ctx);
}

/* One direction's RTP (labels 0, 1, 2) or RTCP (3, 4, 5) session keys. */
static int keys_init(direction_keys_t *keys, int gcm, int decrypt, const uint8_t *master_key,
                     const uint8_t *master_salt, int rtcp) {
  uint8_t key[KEY_BYTES], auth[AUTH_KEY_BYTES];
  uint8_t base = rtcp ? 3 : 0;
  size_t salt_length = gcm ? GCM_SALT_BYTES : CM_SALT_BYTES;
  int ok = derive(master_key, master_salt, salt_length, base, key, KEY_BYTES) &&
           derive(master_key, master_salt, salt_length, base + 2, keys->salt, CM_SALT_BYTES);
  if (ok && !gcm) {
    ok = derive(master_key, master_salt, salt_length, base + 1, auth, AUTH_KEY_BYTES);
    if (ok) hmac_init(keys, auth);
  }
  if (ok) {
    keys->cipher = EVP_CIPHER_CTX_new();
    const EVP_CIPHER *cipher = gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr();
    /* CTR decrypts by encrypting; GCM checks the tag only in decrypt mode. */
    ok = keys->cipher && (gcm && decrypt ? EVP_DecryptInit_ex(keys->cipher, cipher, NULL, key, NULL)
                                         : EVP_EncryptInit_ex(keys->cipher, cipher, NULL, key, NULL)) == 1;
  }
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_cleanse(auth, sizeof auth);
  return ok;
}

static void keys_free(direction_keys_t *keys) {
  EVP_CIPHER_CTX_free(keys->cipher);
  keys->cipher = NULL;
}

/* ---- per-SSRC state ------------------------------------------------------------------------ */

static inline uint32_t ssrc_hash(uint32_t ssrc) {
  uint32_t h = ssrc ^ (ssrc >> 16);
  h *= 0x45d9f3bu;
  return h ^ (h >> 16);
}

static stream_t *stream_find(stream_table_t *table, uint32_t ssrc) {
  if (table->capacity == 0) return NULL;
  uint32_t mask = table->capacity - 1;
  for (uint32_t i = ssrc_hash(ssrc) & mask;; i = (i + 1) & mask) {
    stream_t *slot = &table->slots[i];
    if (!slot->used) return NULL;
    if (slot->ssrc == ssrc) return slot;
  }
}

static stream_t *stream_insert(stream_table_t *table, uint32_t ssrc) {
  uint32_t mask = table->capacity - 1;
  uint32_t i = ssrc_hash(ssrc) & mask;
  while (table->slots[i].used) i = (i + 1) & mask;
  stream_t *slot = &table->slots[i];
  memset(slot, 0, sizeof *slot);
  slot->used = 1;
  slot->ssrc = ssrc;
  table->count++;
  return slot;
}

/* A new SSRC's state (on its first packet; the table grows at half full). NULL at MAX_STREAMS or without memory. */
static stream_t *stream_add(avcm_srtp_t *session, stream_table_t *table, uint32_t ssrc) {
  if (table->count >= MAX_STREAMS) return NULL;
  if ((table->count + 1) * 2 > table->capacity) {
    uint32_t capacity = table->capacity ? table->capacity * 2 : 8;
    stream_t *slots = calloc(capacity, sizeof *slots);
    if (!slots) return NULL;
    stream_table_t grown = {slots, capacity, 0};
    for (uint32_t i = 0; i < table->capacity; i++) {
      if (table->slots[i].used) *stream_insert(&grown, table->slots[i].ssrc) = table->slots[i];
    }
    free(table->slots);
    *table = grown;
  }
  session->counters[S_STREAMS]++;
  return stream_insert(table, ssrc);
}

/* RFC 3711 Appendix A: the index of `seq` next to the highest index so far; -1 when it would
 * lie before the stream's start (a negative ROC). */
static int64_t estimate_index(uint64_t highest, uint16_t seq) {
  int64_t roc = (int64_t)(highest >> 16);
  int s_l = (uint16_t)highest;
  int64_t v = roc;
  if (s_l < 32768) {
    if ((int)seq - s_l > 32768) v = roc - 1;
  } else if (s_l - 32768 > (int)seq) {
    v = roc + 1;
  }
  return v < 0 ? -1 : (v << 16) | seq;
}

/* 0 when `index` is new, else -SRTP_ERR_REPLAY or -SRTP_ERR_TOO_OLD. */
static int window_check(const uint64_t *window, unsigned bits, uint64_t highest, uint64_t index) {
  if (index > highest) return 0;
  if (highest - index >= bits) return -SRTP_ERR_TOO_OLD;
  uint64_t slot = index % bits;
  return (window[slot / 64] >> (slot % 64)) & 1 ? -SRTP_ERR_REPLAY : 0;
}

/* Marks `index` received, moving the window when it is the new highest. */
static void window_mark(uint64_t *window, unsigned bits, uint64_t *highest, uint64_t index) {
  if (index > *highest) {
    if (index - *highest >= bits) {
      memset(window, 0, bits / 8);
    } else {
      for (uint64_t i = *highest + 1; i < index; i++) window[(i % bits) / 64] &= ~(1ull << (i % bits % 64));
    }
    *highest = index;
  }
  uint64_t slot = index % bits;
  window[slot / 64] |= 1ull << (slot % 64);
}

/* ---- ciphers ------------------------------------------------------------------------------- */

static int ctr_crypt(direction_keys_t *keys, const uint8_t iv[16], uint8_t *data, size_t length) {
  int written = 0;
  if (EVP_EncryptInit_ex(keys->cipher, NULL, NULL, NULL, iv) != 1) return 0;
  return length == 0 || EVP_EncryptUpdate(keys->cipher, data, &written, data, (int)length) == 1;
}

/* RFC 3711 4.1.1: (salt << 16) XOR (SSRC << 64) XOR (index << 16); SRTCP's index takes ROC|SEQ's place. */
static void ctr_iv(uint8_t iv[16], const uint8_t *salt, uint32_t ssrc, uint64_t index) {
  memset(iv, 0, 16);
  write32(iv + 4, ssrc);
  write32(iv + 8, (uint32_t)(index >> 16));
  iv[12] = (uint8_t)(index >> 8);
  iv[13] = (uint8_t)index;
  for (int i = 0; i < CM_SALT_BYTES; i++) iv[i] ^= salt[i];
}

/* RFC 7714 8.1 (RTP: 00 00 | SSRC | ROC | SEQ) and 9.1 (RTCP: 00 00 | SSRC | 00 00 | index), XOR salt. */
static void gcm_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc, uint32_t high, uint32_t low, int rtcp) {
  memset(iv, 0, 12);
  write32(iv + 2, ssrc);
  if (rtcp) {
    write32(iv + 8, low);
  } else {
    write32(iv + 6, high);
    iv[10] = (uint8_t)(low >> 8);
    iv[11] = (uint8_t)low;
  }
  for (int i = 0; i < GCM_SALT_BYTES; i++) iv[i] ^= salt[i];
}

static int gcm_seal(direction_keys_t *keys, const uint8_t iv[12], const uint8_t *aad, size_t aad_length,
                    const uint8_t *aad_tail, size_t tail_length, uint8_t *data, size_t length, uint8_t *tag) {
  int written = 0;
  EVP_CIPHER_CTX *ctx = keys->cipher;
  return EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) == 1 &&
         EVP_EncryptUpdate(ctx, NULL, &written, aad, (int)aad_length) == 1 &&
         (tail_length == 0 || EVP_EncryptUpdate(ctx, NULL, &written, aad_tail, (int)tail_length) == 1) &&
         (length == 0 || EVP_EncryptUpdate(ctx, data, &written, data, (int)length) == 1) &&
         EVP_EncryptFinal_ex(ctx, data + length, &written) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_BYTES, tag) == 1;
}

/* 0 when the tag matched (data decrypted in place), -SRTP_ERR_AUTH or -SRTP_ERR_CRYPTO. */
static int gcm_open(direction_keys_t *keys, const uint8_t iv[12], const uint8_t *aad, size_t aad_length,
                    const uint8_t *aad_tail, size_t tail_length, uint8_t *data, size_t length, const uint8_t *tag) {
  int written = 0;
  EVP_CIPHER_CTX *ctx = keys->cipher;
  uint8_t expected[GCM_TAG_BYTES];
  memcpy(expected, tag, sizeof expected);
  if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_BYTES, expected) != 1 ||
      EVP_DecryptUpdate(ctx, NULL, &written, aad, (int)aad_length) != 1 ||
      (tail_length && EVP_DecryptUpdate(ctx, NULL, &written, aad_tail, (int)tail_length) != 1) ||
      (length && EVP_DecryptUpdate(ctx, data, &written, data, (int)length) != 1)) {
    return -SRTP_ERR_CRYPTO;
  }
  return EVP_DecryptFinal_ex(ctx, data + length, &written) > 0 ? 0 : -SRTP_ERR_AUTH;
}

/* ---- RTP ----------------------------------------------------------------------------------- */

/* Fixed header, CSRCs and the extension block (RFC 3550 5.3.1); -1 when it runs past `length`. */
static int rtp_header_length(const uint8_t *p, size_t length) {
  if (length < 12 || (p[0] >> 6) != 2) return -1;
  size_t header = 12 + 4u * (p[0] & 0x0f);
  if (p[0] & 0x10) {
    if (length < header + 4) return -1;
    header += 4 + 4u * read16(p + header + 2);
  }
  return header <= length ? (int)header : -1;
}

static int protect_rtp(avcm_srtp_t *s, uint8_t *p, size_t length, size_t capacity) {
  int header = rtp_header_length(p, length);
  if (header < 0) return -SRTP_ERR_MALFORMED;
  size_t tag = s->gcm ? GCM_TAG_BYTES : HMAC_TAG_BYTES;
  if (length + tag > capacity) return -SRTP_ERR_ROOM;
  uint32_t ssrc = read32(p + 8);
  uint16_t seq = read16(p + 2);
  stream_t *stream = stream_find(&s->tx, ssrc);
  if (!stream && !(stream = stream_add(s, &s->tx, ssrc))) return -SRTP_ERR_STREAMS;
  uint64_t index = seq;
  if (!stream->rtp_seen) {
    stream->rtp_seen = 1;
    stream->rtp_highest = index;
  } else {
    /* A retransmission (same SSRC, an older SEQ) is estimated next to the highest sent, so it
     * gets the ROC it had the first time. */
    int64_t estimated = estimate_index(stream->rtp_highest, seq);
    if (estimated < 0) return -SRTP_ERR_TOO_OLD;
    index = (uint64_t)estimated;
    if (index > stream->rtp_highest) stream->rtp_highest = index;
  }
  uint32_t roc = (uint32_t)(index >> 16);
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(iv, s->tx_rtp.salt, ssrc, roc, seq, 0);
    if (!gcm_seal(&s->tx_rtp, iv, p, header, NULL, 0, p + header, length - header, p + length)) return -SRTP_ERR_CRYPTO;
    return (int)(length + GCM_TAG_BYTES);
  }
  uint8_t iv[16], roc_bytes[4], mac[SHA_DIGEST_LENGTH];
  ctr_iv(iv, s->tx_rtp.salt, ssrc, index);
  if (!ctr_crypt(&s->tx_rtp, iv, p + header, length - header)) return -SRTP_ERR_CRYPTO;
  write32(roc_bytes, roc);
  hmac_sha1(&s->tx_rtp, p, length, roc_bytes, sizeof roc_bytes, mac);
  memcpy(p + length, mac, HMAC_TAG_BYTES);
  return (int)(length + HMAC_TAG_BYTES);
}

static int unprotect_rtp(avcm_srtp_t *s, uint8_t *p, size_t length) {
  size_t tag = s->gcm ? GCM_TAG_BYTES : HMAC_TAG_BYTES;
  if (length < 12 + tag) return -SRTP_ERR_MALFORMED;
  size_t body = length - tag;
  int header = rtp_header_length(p, body);
  if (header < 0) return -SRTP_ERR_MALFORMED;
  uint32_t ssrc = read32(p + 8);
  uint16_t seq = read16(p + 2);
  stream_t *stream = stream_find(&s->rx, ssrc);
  uint64_t index = seq; /* a new stream starts with ROC 0 (RFC 3711 3.3.1) */
  if (stream && stream->rtp_seen) {
    int64_t estimated = estimate_index(stream->rtp_highest, seq);
    if (estimated < 0) return -SRTP_ERR_TOO_OLD;
    index = (uint64_t)estimated;
    int replay = window_check(stream->rtp_window, RTP_WINDOW_BITS, stream->rtp_highest, index);
    if (replay < 0) return replay;
  }
  uint32_t roc = (uint32_t)(index >> 16);
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(iv, s->rx_rtp.salt, ssrc, roc, seq, 0);
    int rc = gcm_open(&s->rx_rtp, iv, p, header, NULL, 0, p + header, body - header, p + body);
    if (rc < 0) return rc;
  } else {
    uint8_t roc_bytes[4], mac[SHA_DIGEST_LENGTH], iv[16];
    write32(roc_bytes, roc);
    hmac_sha1(&s->rx_rtp, p, body, roc_bytes, sizeof roc_bytes, mac);
    if (CRYPTO_memcmp(mac, p + body, HMAC_TAG_BYTES) != 0) return -SRTP_ERR_AUTH;
    ctr_iv(iv, s->rx_rtp.salt, ssrc, index);
    if (!ctr_crypt(&s->rx_rtp, iv, p + header, body - header)) return -SRTP_ERR_CRYPTO;
  }
  /* Only an authenticated packet makes or moves state. */
  if (!stream && !(stream = stream_add(s, &s->rx, ssrc))) return -SRTP_ERR_STREAMS;
  if (!stream->rtp_seen) {
    stream->rtp_seen = 1;
    stream->rtp_highest = index;
  }
  window_mark(stream->rtp_window, RTP_WINDOW_BITS, &stream->rtp_highest, index);
  return (int)body;
}

/* ---- RTCP ---------------------------------------------------------------------------------- */

static int protect_rtcp(avcm_srtp_t *s, uint8_t *p, size_t length, size_t capacity) {
  if (length < 8 || (p[0] >> 6) != 2) return -SRTP_ERR_MALFORMED;
  size_t overhead = (size_t)avcm_srtp_rtcp_overhead(s);
  if (length + overhead > capacity) return -SRTP_ERR_ROOM;
  uint32_t ssrc = read32(p + 4);
  stream_t *stream = stream_find(&s->tx, ssrc);
  if (!stream && !(stream = stream_add(s, &s->tx, ssrc))) return -SRTP_ERR_STREAMS;
  uint32_t index = stream->rtcp_seen ? (uint32_t)((stream->rtcp_highest + 1) & 0x7fffffffu) : 0;
  stream->rtcp_seen = 1;
  stream->rtcp_highest = index;
  uint8_t e_index[SRTCP_INDEX_BYTES];
  write32(e_index, SRTCP_E_FLAG | index);
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(iv, s->tx_rtcp.salt, ssrc, 0, index, 1);
    if (!gcm_seal(&s->tx_rtcp, iv, p, 8, e_index, sizeof e_index, p + 8, length - 8, p + length)) return -SRTP_ERR_CRYPTO;
    memcpy(p + length + GCM_TAG_BYTES, e_index, sizeof e_index);
    return (int)(length + GCM_TAG_BYTES + SRTCP_INDEX_BYTES);
  }
  uint8_t iv[16], mac[SHA_DIGEST_LENGTH];
  ctr_iv(iv, s->tx_rtcp.salt, ssrc, index);
  if (!ctr_crypt(&s->tx_rtcp, iv, p + 8, length - 8)) return -SRTP_ERR_CRYPTO;
  memcpy(p + length, e_index, sizeof e_index);
  hmac_sha1(&s->tx_rtcp, p, length + SRTCP_INDEX_BYTES, NULL, 0, mac);
  memcpy(p + length + SRTCP_INDEX_BYTES, mac, HMAC_TAG_BYTES);
  return (int)(length + SRTCP_INDEX_BYTES + HMAC_TAG_BYTES);
}

static int unprotect_rtcp(avcm_srtp_t *s, uint8_t *p, size_t length) {
  size_t overhead = (size_t)avcm_srtp_rtcp_overhead(s);
  if (length < 8 + overhead || (p[0] >> 6) != 2) return -SRTP_ERR_MALFORMED;
  size_t body = length - overhead;
  const uint8_t *e_index = s->gcm ? p + length - SRTCP_INDEX_BYTES : p + body;
  uint32_t word = read32(e_index);
  uint32_t index = word & 0x7fffffffu;
  int encrypted = (word & SRTCP_E_FLAG) != 0;
  uint32_t ssrc = read32(p + 4);
  stream_t *stream = stream_find(&s->rx, ssrc);
  if (stream && stream->rtcp_seen) {
    int replay = window_check(stream->rtcp_window, RTCP_WINDOW_BITS, stream->rtcp_highest, index);
    if (replay < 0) return replay;
  }
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(iv, s->rx_rtcp.salt, ssrc, 0, index, 1);
    /* E = 0 (authenticated only): the whole packet is AAD. */
    size_t aad_length = encrypted ? 8 : body;
    int rc = gcm_open(&s->rx_rtcp, iv, p, aad_length, e_index, SRTCP_INDEX_BYTES, p + aad_length,
                      body - aad_length, p + body);
    if (rc < 0) return rc;
  } else {
    uint8_t mac[SHA_DIGEST_LENGTH], iv[16];
    hmac_sha1(&s->rx_rtcp, p, body + SRTCP_INDEX_BYTES, NULL, 0, mac);
    if (CRYPTO_memcmp(mac, p + body + SRTCP_INDEX_BYTES, HMAC_TAG_BYTES) != 0) return -SRTP_ERR_AUTH;
    if (encrypted) {
      ctr_iv(iv, s->rx_rtcp.salt, ssrc, index);
      if (!ctr_crypt(&s->rx_rtcp, iv, p + 8, body - 8)) return -SRTP_ERR_CRYPTO;
    }
  }
  if (!stream && !(stream = stream_add(s, &s->rx, ssrc))) return -SRTP_ERR_STREAMS;
  if (!stream->rtcp_seen) {
    stream->rtcp_seen = 1;
    stream->rtcp_highest = index;
  }
  window_mark(stream->rtcp_window, RTCP_WINDOW_BITS, &stream->rtcp_highest, index);
  return (int)body;
}

/* ---- sessions ------------------------------------------------------------------------------ */

int avcm_srtp_rtp_overhead(const avcm_srtp_t *session) {
  return session->gcm ? GCM_TAG_BYTES : HMAC_TAG_BYTES;
}

int avcm_srtp_rtcp_overhead(const avcm_srtp_t *session) {
  return (session->gcm ? GCM_TAG_BYTES : HMAC_TAG_BYTES) + SRTCP_INDEX_BYTES;
}

avcm_srtp_t *avcm_srtp_create(int profile, const uint8_t *local_key, const uint8_t *local_salt,
                                    const uint8_t *remote_key, const uint8_t *remote_salt, int *error) {
  if (profile != SRTP_PROFILE_AES128_CM_SHA1_80 && profile != SRTP_PROFILE_AEAD_AES_128_GCM) {
    *error = SRTP_ERR_MALFORMED;
    return NULL;
  }
  avcm_srtp_t *s = calloc(1, sizeof *s);
  if (!s) {
    *error = SRTP_ERR_CRYPTO;
    return NULL;
  }
  s->profile = profile;
  s->gcm = profile == SRTP_PROFILE_AEAD_AES_128_GCM;
  s->refs = 1;
  if (!keys_init(&s->tx_rtp, s->gcm, 0, local_key, local_salt, 0) ||
      !keys_init(&s->tx_rtcp, s->gcm, 0, local_key, local_salt, 1) ||
      !keys_init(&s->rx_rtp, s->gcm, 1, remote_key, remote_salt, 0) ||
      !keys_init(&s->rx_rtcp, s->gcm, 1, remote_key, remote_salt, 1)) {
    avcm_srtp_release(s);
    *error = SRTP_ERR_CRYPTO;
    return NULL;
  }
  return s;
}

void avcm_srtp_retain(avcm_srtp_t *session) {
  session->refs++;
}

void avcm_srtp_release(avcm_srtp_t *session) {
  if (--session->refs > 0) return;
  keys_free(&session->tx_rtp);
  keys_free(&session->tx_rtcp);
  keys_free(&session->rx_rtp);
  keys_free(&session->rx_rtcp);
  free(session->tx.slots);
  free(session->rx.slots);
  OPENSSL_cleanse(session, sizeof *session);
  free(session);
}

static void count_result(avcm_srtp_t *s, int result, int rtcp, int protect) {
  if (result >= 0) {
    s->counters[protect ? (rtcp ? S_RTCP_PROTECTED : S_RTP_PROTECTED) : (rtcp ? S_RTCP_UNPROTECTED : S_RTP_UNPROTECTED)]++;
    return;
  }
  switch (-result) {
    case SRTP_ERR_AUTH: s->counters[S_AUTH_FAILURES]++; break;
    case SRTP_ERR_REPLAY: s->counters[S_REPLAYED]++; break;
    case SRTP_ERR_TOO_OLD: s->counters[S_TOO_OLD]++; break;
    case SRTP_ERR_MALFORMED: s->counters[S_MALFORMED]++; break;
    default: s->counters[S_OTHER_ERRORS]++; break;
  }
}

int avcm_srtp_protect(avcm_srtp_t *session, uint8_t *packet, size_t length, size_t capacity) {
  if (!avcm_srtp_is_media(packet, length)) {
    session->counters[S_MALFORMED]++;
    return -SRTP_ERR_MALFORMED;
  }
  int rtcp = avcm_srtp_is_rtcp(packet);
  int result = rtcp ? protect_rtcp(session, packet, length, capacity) : protect_rtp(session, packet, length, capacity);
  count_result(session, result, rtcp, 1);
  return result;
}

int avcm_srtp_unprotect(avcm_srtp_t *session, uint8_t *packet, size_t length) {
  if (!avcm_srtp_is_media(packet, length)) {
    session->counters[S_MALFORMED]++;
    return -SRTP_ERR_MALFORMED;
  }
  int rtcp = avcm_srtp_is_rtcp(packet);
  int result = rtcp ? unprotect_rtcp(session, packet, length) : unprotect_rtp(session, packet, length);
  count_result(session, result, rtcp, 0);
  return result;
}

const double *avcm_srtp_counters(const avcm_srtp_t *session) {
  return session->counters;
}
