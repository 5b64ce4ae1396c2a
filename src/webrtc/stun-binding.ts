/**
 * What a STUN Binding datagram is (RFC 5389 6: the first two bytes are the message type, class
 * bits C1 C0 at 0x0100 and 0x0010, method Binding 0x001), so the native ICE sockets can count
 * ICE connectivity checks and RFC 7675 consent checks in both directions. `none`: not a Binding
 * message (not STUN, or another method such as TURN's).
 */
export type StunBindingClass = 'request' | 'success' | 'error' | 'none';

/** RFC 5389 6: message types of the Binding method. */
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const BINDING_ERROR = 0x0111;
/** RFC 5389 6: the magic cookie at bytes 4..7 of every STUN message (RFC 7983 sends first bytes 0..3 here). */
const MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;

/** The Binding class of `data[0, length)`; pure, allocates nothing. */
export function stunBindingClass(data: Uint8Array, length: number): StunBindingClass {
  if (length < HEADER_BYTES || data[0] > 3) return 'none';
  const cookie = ((data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7]) >>> 0;
  if (cookie !== MAGIC_COOKIE) return 'none';
  const type = (data[0] << 8) | data[1];
  if (type === BINDING_REQUEST) return 'request';
  if (type === BINDING_SUCCESS) return 'success';
  if (type === BINDING_ERROR) return 'error';
  return 'none';
}
