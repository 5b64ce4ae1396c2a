import { AvcmError } from '../errors/index.js';

/** CRC-32 of Ogg (RFC 3533 6): polynomial 0x04c11db7, no reflection, initial 0, no final xor. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(page: Buffer): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const byte = i >= 22 && i < 26 ? 0 : page[i]; // the checksum field counts as zeros
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]) >>> 0;
  }
  return crc;
}

export interface OggOpus {
  /** Opus packets in order, OpusHead/OpusTags skipped (RFC 7845 5). */
  packets: Buffer[];
  preSkip: number;
  channels: number;
}

/**
 * Reads an Ogg/Opus file (RFC 3533 pages, RFC 7845 mapping) of a single logical stream: checks
 * every page's capture pattern and CRC, joins packets that span pages (lacing value 255 /
 * continued flag), and returns the audio packets. Errors name the byte offset of the bad page.
 */
export function readOggOpus(data: Buffer, label = 'ogg'): OggOpus {
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  // After a lost page (or at a stream that starts mid-packet) the continued tail is useless: drop it.
  let dropTail = false;
  let serial: number | null = null;
  let offset = 0;
  while (offset < data.length) {
    if (offset + 27 > data.length || data.toString('latin1', offset, offset + 4) !== 'OggS') {
      throw new AvcmError('E_MEDIA', `${label}: no Ogg page at byte ${offset} (capture pattern "OggS" missing or truncated)`, { hint: 'is it an Ogg/Opus file? convert it with `avcm media prepare`' });
    }
    if (data[offset + 4] !== 0) throw new AvcmError('E_MEDIA', `${label}: unsupported Ogg version ${data[offset + 4]} at byte ${offset}`);
    const segments = data[offset + 26];
    const headerLength = 27 + segments;
    if (offset + headerLength > data.length) throw new AvcmError('E_MEDIA', `${label}: truncated Ogg page header at byte ${offset}`);
    let bodyLength = 0;
    for (let i = 0; i < segments; i++) bodyLength += data[offset + 27 + i];
    const pageEnd = offset + headerLength + bodyLength;
    if (pageEnd > data.length) throw new AvcmError('E_MEDIA', `${label}: truncated Ogg page at byte ${offset} (needs ${pageEnd - data.length} more bytes)`);
    const page = data.subarray(offset, pageEnd);
    if (oggCrc(page) !== page.readUInt32LE(22)) throw new AvcmError('E_MEDIA', `${label}: Ogg page CRC mismatch at byte ${offset} (the file is corrupt)`, { hint: 'convert the source again' });
    const pageSerial = page.readUInt32LE(14);
    serial ??= pageSerial;
    // Only the first logical stream is read; pages of other multiplexed streams (video, a second track) are skipped.
    if (pageSerial === serial) {
      const continued = (page[5] & 0x01) !== 0;
      if (continued && partial.length === 0) dropTail = true;
      if (!continued && partial.length > 0) partial = []; // a dangling partial packet was lost
      let at = headerLength;
      for (let i = 0; i < segments; i++) {
        const lacing = page[27 + i];
        if (!dropTail) partial.push(page.subarray(at, at + lacing));
        at += lacing;
        if (lacing < 255) {
          if (!dropTail) packets.push(partial.length === 1 ? partial[0] : Buffer.concat(partial));
          partial = [];
          dropTail = false;
        }
      }
    }
    offset = pageEnd;
  }
  if (packets.length < 1 || packets[0].length < 19 || packets[0].toString('latin1', 0, 8) !== 'OpusHead') {
    throw new AvcmError('E_MEDIA', `${label}: not an Ogg/Opus stream (no OpusHead packet)`, { hint: 'convert it to Opus with `avcm media prepare`' });
  }
  const head = packets[0];
  const channels = head[9];
  const preSkip = head.readUInt16LE(10);
  const audio = packets.slice(packets.length > 1 && packets[1].toString('latin1', 0, 8) === 'OpusTags' ? 2 : 1).filter((p) => p.length > 0);
  return { packets: audio, preSkip, channels };
}
