import { describe, expect, it } from 'vitest';
import { stunBindingClass } from '../../../src/webrtc/stun-binding.js';

/** The first 20 bytes (header) of RFC 5769's sample messages; the attributes do not matter here. */
function header(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}
const TRANSACTION = 'b7e7a701 bc34d686 fa87dfae';

describe('stunBindingClass (RFC 5389 6 message type, RFC 7983 first byte)', () => {
  it('RFC 5769 2.1 sample request: a Binding request', () => {
    const b = header(`0001 0058 2112a442 ${TRANSACTION}`);
    expect(stunBindingClass(b, b.length)).toBe('request');
  });

  it('RFC 5769 2.2 sample IPv4 response: a Binding success response', () => {
    const b = header(`0101 003c 2112a442 ${TRANSACTION}`);
    expect(stunBindingClass(b, b.length)).toBe('success');
  });

  it('a Binding error response (class 0b11)', () => {
    const b = header(`0111 0000 2112a442 ${TRANSACTION}`);
    expect(stunBindingClass(b, b.length)).toBe('error');
  });

  it('not Binding: a TURN Allocate request, a message without the magic cookie, DTLS, RTP, a short datagram', () => {
    const allocate = header(`0003 0000 2112a442 ${TRANSACTION}`);
    const noCookie = header(`0001 0000 00000000 ${TRANSACTION}`);
    const dtls = Buffer.alloc(25, 0);
    dtls[0] = 22;
    const rtp = Buffer.alloc(20, 0);
    rtp[0] = 0x80;
    const short = header('0001 0000 2112a442');
    for (const b of [allocate, noCookie, dtls, rtp, short]) expect(stunBindingClass(b, b.length)).toBe('none');
  });

  it('reads only `length` bytes of a larger receive slot', () => {
    const slot = Buffer.alloc(2048, 0);
    header(`0001 0058 2112a442 ${TRANSACTION}`).copy(slot);
    expect(stunBindingClass(slot, 20)).toBe('request');
    expect(stunBindingClass(slot, 19)).toBe('none');
  });
});
