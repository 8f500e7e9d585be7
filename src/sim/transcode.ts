// The simulated wire: the daemon's own perform path (driver/perform.ts) encodes every
// effect, and the simulator decodes the bytes again before a receiver sees them,
// so a codec asymmetry changes what arrives. A failure here is a codec bug.

import { decodeDdhcp, encodeDdhcp } from '../wire/ddhcp';
import type { DdhcpMessage } from '../wire/ddhcp-message';
import { decodeDhcp, encodeDhcp } from '../wire/dhcp';
import type { DhcpMessage } from '../wire/dhcp-message';

export class CodecError extends Error {
  override readonly name = 'CodecError';
}

export interface Transcoder {
  /** What a peer decodes from bytes our encoder wrote. */
  decodeDdhcp(bytes: Uint8Array): DdhcpMessage;
  decodeDhcp(bytes: Uint8Array): DhcpMessage;
  /** A client model's message over the same wire: encoded, decoded, and its size. */
  dhcp(msg: DhcpMessage): { readonly msg: DhcpMessage; readonly bytes: number };
}

export const realTranscoder: Transcoder = {
  decodeDdhcp(bytes) {
    const back = decodeDdhcp(bytes);
    if (!back.ok) throw new CodecError(`decodeDdhcp rejected encodeDdhcp output: ${JSON.stringify(back.error)}`);
    assertSameBytes('ddhcp', bytes, encodeDdhcp(back.value));
    return back.value;
  },
  decodeDhcp(bytes) {
    const back = decodeDhcp(bytes);
    if (!back.ok) throw new CodecError(`decodeDhcp rejected encodeDhcp output: ${JSON.stringify(back.error)}`);
    assertSameBytes('dhcp', bytes, encodeDhcp(back.value));
    return back.value;
  },
  dhcp(msg) {
    const bytes = encodeDhcp(msg);
    return { msg: this.decodeDhcp(bytes), bytes: bytes.length };
  },
};

function assertSameBytes(what: string, a: Uint8Array, b: Uint8Array): void {
  if (a.length === b.length && a.every((x, i) => x === b[i])) return;
  throw new CodecError(`${what}: encode(decode(bytes)) differs from the bytes`);
}
