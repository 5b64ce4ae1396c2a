/**
 * The relay's TCP framing: each UDP datagram as a 2-byte big-endian length, then its bytes. A
 * datagram is at most 65535 bytes, so the length always fits, and frames never merge or split.
 */
export const MAX_DATAGRAM_BYTES = 0xffff;

/** Writes one frame's 2-byte header into a reused buffer; send `[header, datagram]`. */
export function frameHeader(length: number, into: Buffer = Buffer.allocUnsafe(2)): Buffer {
  into.writeUInt16BE(length, 0);
  return into;
}

/**
 * Reassembles datagrams from a TCP byte stream whose chunks split and merge frames arbitrarily.
 * A frame that lies inside one chunk is handed out as a view (no copy); only frames spanning
 * chunks are copied together.
 */
export class FrameDecoder {
  private pending: Buffer | null = null;

  constructor(private readonly onDatagram: (datagram: Buffer) => void) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.pending) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let at = 0;
    while (data.length - at >= 2) {
      const length = data.readUInt16BE(at);
      if (data.length - at - 2 < length) break;
      this.onDatagram(data.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    }
    if (at < data.length) this.pending = Buffer.from(data.subarray(at));
  }

  /** Drops a partial frame (the connection broke mid-frame). */
  reset(): void {
    this.pending = null;
  }
}
