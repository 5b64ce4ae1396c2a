import { AvcmError } from '../errors/index.js';
import type { NativeSrtpHandle, NativeUdpBinding } from './native-binding.js';

/**
 * The DTLS-SRTP protection profiles the native path implements, by their IANA numbers (RFC 5764
 * section 4.1.2, RFC 7714 section 14.2): what the DTLS handshake's use_srtp extension negotiates.
 */
export const SRTP_PROFILES = { AES_CM_128_HMAC_SHA1_80: 0x0001, AEAD_AES_128_GCM: 0x0007 } as const;
export type SrtpProfileName = keyof typeof SRTP_PROFILES;

/** The keys of one DTLS-SRTP association (RFC 5764 section 4.2): ours protect, the far end's unprotect. */
export interface SrtpKeys {
  /** `SRTP_PROFILES` value the handshake chose. */
  profile: number;
  /** 16 bytes. */
  localKey: Uint8Array;
  /** 14 bytes (AES-CM) or 12 bytes (GCM). */
  localSalt: Uint8Array;
  remoteKey: Uint8Array;
  remoteSalt: Uint8Array;
}

/** What a session did since it was made (RTP and RTCP counted apart; refusals by reason). */
export interface SrtpCounters {
  rtpProtected: number;
  rtcpProtected: number;
  rtpUnprotected: number;
  rtcpUnprotected: number;
  /** Received packets whose authentication tag did not match (wrong keys, corruption, forgery). */
  authFailures: number;
  /** Received packets whose index had been received already (RFC 3711 3.3.2). */
  replayed: number;
  /** Received packets older than the replay list (1024 RTP / 128 SRTCP indexes behind the newest). */
  tooOld: number;
  /** Packets too short or whose header runs past them. */
  malformed: number;
  otherErrors: number;
  /** SSRCs the session keeps state for (both directions). */
  streams: number;
}

/** Why protect or unprotect refused a packet: minus these are what they return. */
export const SRTP_ERRORS = { 1: 'malformed', 2: 'auth', 3: 'replay', 4: 'too-old', 5: 'room', 6: 'crypto', 7: 'streams' } as const;

/**
 * One DTLS-SRTP association's SRTP and SRTCP contexts in native code (OpenSSL's AES and SHA-1 from
 * the Node binary): the packet index (ROC) of every SSRC, the SRTCP index, the replay lists. Make
 * it with `BatchedUdp.createSrtpSession` and attach it to a socket (`BatchedUdpSocket.attachSrtp`):
 * that socket's send batches then protect its RTP and RTCP, and its receive batches unprotect
 * them. `protect` and `unprotect` work on one buffer (tests, benchmarks).
 */
export class SrtpSession {
  readonly profile: number;
  /** Bytes SRTP adds to an RTP packet (the tag). */
  readonly rtpOverhead: number;
  /** Bytes SRTCP adds to an RTCP compound (the E flag and index, and the tag). */
  readonly rtcpOverhead: number;
  /** @internal */
  readonly handle: NativeSrtpHandle;
  private readonly native: NativeUdpBinding;
  private readonly raw: Float64Array;

  /** @internal Made by `BatchedUdp.createSrtpSession`. */
  constructor(native: NativeUdpBinding, keys: SrtpKeys) {
    const gcm = keys.profile === SRTP_PROFILES.AEAD_AES_128_GCM;
    if (!gcm && keys.profile !== SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80) {
      throw new AvcmError('E_NETWORK', `SRTP protection profile ${keys.profile} is not implemented by the native path`, { hint: 'it implements AES_CM_128_HMAC_SHA1_80 (1) and AEAD_AES_128_GCM (7)' });
    }
    this.native = native;
    this.profile = keys.profile;
    this.rtpOverhead = gcm ? 16 : 10;
    this.rtcpOverhead = gcm ? 20 : 14;
    this.handle = native.srtpCreate(keys.profile, keys.localKey, keys.localSalt, keys.remoteKey, keys.remoteSalt);
    this.raw = new Float64Array(native.SRTP_COUNTER_NAMES.length);
  }

  /** The profile's name (`AES_CM_128_HMAC_SHA1_80`, `AEAD_AES_128_GCM`). */
  get profileName(): SrtpProfileName {
    return this.profile === SRTP_PROFILES.AEAD_AES_128_GCM ? 'AEAD_AES_128_GCM' : 'AES_CM_128_HMAC_SHA1_80';
  }

  /**
   * Protects the RTP packet or RTCP compound in `buffer[0, length)` in place (the trailer goes
   * after it: `buffer` needs `rtpOverhead`/`rtcpOverhead` more bytes). Returns the protected
   * length, or minus an `SRTP_ERRORS` code.
   */
  protect(buffer: Uint8Array, length: number): number {
    return this.native.srtpProtect(this.handle, buffer, length);
  }

  /** Authenticates and decrypts the SRTP/SRTCP packet in `buffer[0, length)` in place. Returns the plain length, or minus an `SRTP_ERRORS` code. */
  unprotect(buffer: Uint8Array, length: number): number {
    return this.native.srtpUnprotect(this.handle, buffer, length);
  }

  /** The counters now; fills `into` when given (no allocation). */
  counters(into?: SrtpCounters): SrtpCounters {
    this.native.srtpCounters(this.handle, this.raw);
    const out = into ?? ({} as SrtpCounters);
    const names = this.native.SRTP_COUNTER_NAMES;
    for (let i = 0; i < names.length; i++) (out as unknown as Record<string, number>)[names[i]] = this.raw[i];
    return out;
  }
}

/** `-3` -> `replay`; other values -> `unknown`. */
export function srtpErrorName(result: number): string {
  return (SRTP_ERRORS as Record<number, string>)[-result] ?? 'unknown';
}
