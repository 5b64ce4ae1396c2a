import { describe, expect, it } from 'vitest';
import { extensionRemap, remapExtensions } from '../../../src/webrtc/extension-remap.js';

const PLAN = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
const PID = 'urn:avcm:participant-id';
const AST = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';

describe('extension id remap (RFC 8285 5: ids are per session, URIs are what count)', () => {
  it('a remote using the plan ids needs no remap', () => {
    expect(extensionRemap(`m=video 9 X 96\r\na=extmap:1 ${PID}\r\na=extmap:2 ${AST}\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n`, PLAN)).toBeNull();
  });

  it('renumbered ids map back to the plan ids; other URIs are dropped', () => {
    const map = extensionRemap(`a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=extmap:3/sendrecv ${AST}\r\na=extmap:9 ${PID}\r\n`, PLAN)!;
    expect(map).not.toBeNull();
    const elements = [
      { id: 1, payload: Buffer.from('0') },
      { id: 3, payload: Buffer.from([1, 2, 3]) },
      { id: 9, payload: Buffer.from([0, 0, 3, 0xe9]) },
      { id: 12, payload: Buffer.from([7]) },
    ];
    expect(remapExtensions(elements, map)).toEqual([
      { id: 2, payload: Buffer.from([1, 2, 3]) },
      { id: 1, payload: Buffer.from([0, 0, 3, 0xe9]) },
    ]);
  });

  it('an unknown URI sitting on one of the plan ids forces the remap (it would be misread as ours)', () => {
    const map = extensionRemap(`a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=extmap:2 ${AST}\r\n`, PLAN)!;
    expect(map).not.toBeNull();
    expect(remapExtensions([{ id: 1, payload: Buffer.from('0') }, { id: 2, payload: Buffer.from([1, 2, 3]) }], map)).toEqual([{ id: 2, payload: Buffer.from([1, 2, 3]) }]);
  });
});
