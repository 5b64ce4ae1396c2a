/*
 * avcm's SRTP (native/srtp-session.c on OpenSSL) against Debian's libsrtp2 (libsrtp2-dev, built
 * on NSS), in one process on the same packets: CPU per protect and per unprotect, both profiles.
 * Also a cross check: libsrtp2 unprotects what avcm protects (so the timings compare like with like).
 *
 * Build and run with scripts/srtp-libsrtp-compare.sh (needs libsrtp2-dev and libssl-dev).
 */
#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../native/srtp.h"

#define PACKETS 200000
#define PAYLOAD 1160

static double cpu_seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static int make_packet(uint8_t *p, uint16_t seq) {
  memset(p, 0, 12);
  p[0] = 0x90;
  p[1] = 96;
  p[2] = (uint8_t)(seq >> 8);
  p[3] = (uint8_t)seq;
  p[8] = 0x12; p[9] = 0x34; p[10] = 0x56; p[11] = 0x78;
  const uint8_t extension[12] = {0xbe, 0xde, 0x00, 0x02, 0x12, 1, 2, 3, 0x22, 4, 5, 6};
  memcpy(p + 12, extension, sizeof extension);
  for (int i = 0; i < PAYLOAD; i++) p[24 + i] = (uint8_t)(i * 7 + seq);
  return 24 + PAYLOAD;
}

typedef struct {
  const char *name;
  int avcm_profile;
  srtp_profile_t libsrtp_profile;
  int salt;
} profile_t;

static uint8_t packets[64][24 + PAYLOAD + 32];

static void run(const profile_t *profile) {
  uint8_t key[16], salt[14], master[30];
  for (int i = 0; i < 16; i++) key[i] = (uint8_t)(i * 11 + 1);
  for (int i = 0; i < 14; i++) salt[i] = (uint8_t)(i * 5 + 3);
  memcpy(master, key, 16);
  memcpy(master + 16, salt, (size_t)profile->salt);

  int error = 0;
  avcm_srtp_t *avcm_tx = avcm_srtp_create(profile->avcm_profile, key, salt, key, salt, &error);
  avcm_srtp_t *avcm_rx = avcm_srtp_create(profile->avcm_profile, key, salt, key, salt, &error);

  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, profile->libsrtp_profile);
  srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, profile->libsrtp_profile);
  policy.key = master;
  policy.window_size = 1024;
  policy.next = NULL;
  srtp_t libsrtp_tx, libsrtp_rx;
  policy.ssrc.type = ssrc_any_outbound;
  if (srtp_create(&libsrtp_tx, &policy) != srtp_err_status_ok) { fprintf(stderr, "srtp_create tx\n"); exit(1); }
  policy.ssrc.type = ssrc_any_inbound;
  if (srtp_create(&libsrtp_rx, &policy) != srtp_err_status_ok) { fprintf(stderr, "srtp_create rx\n"); exit(1); }

  /* Cross check first: libsrtp2 unprotects avcm's packets. */
  for (int i = 0; i < 100; i++) {
    uint8_t p[24 + PAYLOAD + 32], q[24 + PAYLOAD + 32];
    int length = make_packet(p, (uint16_t)(60000 + i * 100));
    memcpy(q, p, (size_t)length);
    int protected_length = avcm_srtp_protect(avcm_tx, p, (size_t)length, sizeof p);
    int out = protected_length;
    if (srtp_unprotect(libsrtp_rx, p, &out) != srtp_err_status_ok || out != length || memcmp(p, q, (size_t)length) != 0) {
      fprintf(stderr, "%s: libsrtp2 did not unprotect avcm's packet %d\n", profile->name, i);
      exit(1);
    }
  }
  srtp_dealloc(libsrtp_rx);
  policy.ssrc.type = ssrc_any_inbound;
  srtp_create(&libsrtp_rx, &policy);
  avcm_srtp_release(avcm_tx);
  avcm_tx = avcm_srtp_create(profile->avcm_profile, key, salt, key, salt, &error);

  double avcm_protect = 0, avcm_unprotect = 0, lib_protect = 0, lib_unprotect = 0;
  uint16_t seq = 1;
  for (int round = 0; round < PACKETS / 64; round++) {
    int lengths[64];
    for (int i = 0; i < 64; i++) lengths[i] = make_packet(packets[i], seq + (uint16_t)i);
    double t0 = cpu_seconds();
    for (int i = 0; i < 64; i++) lengths[i] = avcm_srtp_protect(avcm_tx, packets[i], (size_t)lengths[i], sizeof packets[i]);
    double t1 = cpu_seconds();
    for (int i = 0; i < 64; i++) avcm_srtp_unprotect(avcm_rx, packets[i], (size_t)lengths[i]);
    double t2 = cpu_seconds();
    avcm_protect += t1 - t0;
    avcm_unprotect += t2 - t1;
    for (int i = 0; i < 64; i++) lengths[i] = make_packet(packets[i], seq + (uint16_t)i);
    t0 = cpu_seconds();
    for (int i = 0; i < 64; i++) srtp_protect(libsrtp_tx, packets[i], &lengths[i]);
    t1 = cpu_seconds();
    for (int i = 0; i < 64; i++) srtp_unprotect(libsrtp_rx, packets[i], &lengths[i]);
    t2 = cpu_seconds();
    lib_protect += t1 - t0;
    lib_unprotect += t2 - t1;
    seq = (uint16_t)(seq + 64);
  }
  int n = (PACKETS / 64) * 64;
  printf("| %s | %.3f | %.3f | %.3f | %.3f |\n", profile->name, avcm_protect * 1e6 / n,
         lib_protect * 1e6 / n, avcm_unprotect * 1e6 / n, lib_unprotect * 1e6 / n);
  avcm_srtp_release(avcm_tx);
  avcm_srtp_release(avcm_rx);
  srtp_dealloc(libsrtp_tx);
  srtp_dealloc(libsrtp_rx);
}

int main(void) {
  if (srtp_init() != srtp_err_status_ok) return 1;
  const char *missing = avcm_srtp_crypto_missing();
  if (missing) {
    fprintf(stderr, "libcrypto lacks %s\n", missing);
    return 1;
  }
  printf("%d packets of %d bytes (RTP header + extension + payload), CPU us per packet\n\n", PACKETS, 24 + PAYLOAD);
  printf("| profile | avcm protect | libsrtp2 protect | avcm unprotect | libsrtp2 unprotect |\n| --- | ---: | ---: | ---: | ---: |\n");
  profile_t profiles[] = {
    {"AES_CM_128_HMAC_SHA1_80", 1, srtp_profile_aes128_cm_sha1_80, 14},
    {"AEAD_AES_128_GCM", 7, srtp_profile_aead_aes_128_gcm, 12},
  };
  for (int round = 0; round < 3; round++) {
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) run(&profiles[i]);
  }
  srtp_shutdown();
  return 0;
}
