// Cuts the ubusd byte stream into whole messages (README section 1: 12 bytes
// give the length, then the rest). Pure: the socket driver feeds chunks in.
// A length that ubusd itself would refuse means the stream is lost.

import { err, ok, type Result } from '../result';
import { padTo4 } from './blob';
import { readFrameLength, UBUS_HEADER_LEN, UBUS_MAX_MSGLEN } from './message';

export type FrameError =
  | { readonly kind: 'tooLarge'; readonly size: number; readonly limit: number }
  | { readonly kind: 'badLength'; readonly size: number };

export class UbusFrameReader {
  private buf = new Uint8Array(0);
  private used = 0;

  /** Appends `chunk` and returns every message now complete; after an error the reader must be dropped. */
  push(chunk: Uint8Array): Result<Uint8Array[], FrameError> {
    this.append(chunk);
    const frames: Uint8Array[] = [];
    let pos = 0;
    for (;;) {
      const total = readFrameLength(this.buf.subarray(pos, this.used));
      if (total === undefined) break;
      const blobLen = total - UBUS_HEADER_LEN;
      if (blobLen < 4) return err({ kind: 'badLength', size: total });
      if (padTo4(blobLen) > UBUS_MAX_MSGLEN) return err({ kind: 'tooLarge', size: total, limit: UBUS_MAX_MSGLEN });
      if (this.used - pos < total) break;
      frames.push(this.buf.slice(pos, pos + total));
      pos += total;
    }
    if (pos > 0) {
      this.buf.copyWithin(0, pos, this.used);
      this.used -= pos;
    }
    return ok(frames);
  }

  /** Bytes held that do not yet form a whole message. */
  get pending(): number {
    return this.used;
  }

  private append(chunk: Uint8Array): void {
    if (this.used + chunk.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.used + chunk.length, this.buf.length * 2, 4096));
      grown.set(this.buf.subarray(0, this.used));
      this.buf = grown;
    }
    this.buf.set(chunk, this.used);
    this.used += chunk.length;
  }
}
