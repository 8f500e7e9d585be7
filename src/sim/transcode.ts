// The simulated wire: every message a core or client model sends is encoded
// and decoded again with the real codecs, so a codec asymmetry changes what the
// receiver sees and shows up in the simulation. A failure here is a codec bug.

import { decodeDdhcp, encodeDdhcp } from '../wire/ddhcp';
import type { DdhcpMessage } from '../wire/ddhcp-message';
import { decodeDhcp, encodeDhcp } from '../wire/dhcp';
import type { DhcpMessage } from '../wire/dhcp-message';

export class CodecError extends Error {
  override readonly name = 'CodecError';
}

export interface Wire<M> {
  readonly msg: M;
  readonly bytes: number;
}

export interface Transcoder {
  ddhcp(msg: DdhcpMessage): Wire<DdhcpMessage>;
  dhcp(msg: DhcpMessage): Wire<DhcpMessage>;
}

export const realTranscoder: Transcoder = {
  ddhcp(msg) {
    const bytes = encodeDdhcp(msg);
    const back = decodeDdhcp(bytes);
    if (!back.ok) throw new CodecError(`decodeDdhcp rejected encodeDdhcp output: ${JSON.stringify(back.error)}`);
    assertSameBytes('ddhcp', bytes, encodeDdhcp(back.value));
    return { msg: back.value, bytes: bytes.length };
  },
  dhcp(msg) {
    const bytes = encodeDhcp(msg);
    const back = decodeDhcp(bytes);
    if (!back.ok) throw new CodecError(`decodeDhcp rejected encodeDhcp output: ${JSON.stringify(back.error)}`);
    assertSameBytes('dhcp', bytes, encodeDhcp(back.value));
    return { msg: back.value, bytes: bytes.length };
  },
};

function assertSameBytes(what: string, a: Uint8Array, b: Uint8Array): void {
  if (a.length === b.length && a.every((x, i) => x === b[i])) return;
  throw new CodecError(`${what}: encode(decode(encode(m))) differs from encode(m)`);
}
