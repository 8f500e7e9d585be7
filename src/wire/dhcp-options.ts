// Readers for the few DHCP options the server acts on, and the byte forms of
// values it writes. Pure lookups over a decoded DhcpMessage; no policy.

import { DhcpOptionCode, type DhcpMessage } from './dhcp-message';
import { readU32, u32ToBytes } from './bytes';

/** The option's data; the decoder has already merged repeated instances (RFC 3396). */
export function getOption(msg: DhcpMessage, code: number): Uint8Array | undefined {
  return msg.options.find((o) => o.code === code)?.data;
}

/** Option 53, when present with exactly one byte. Absent means BOOTP. */
export function getMessageType(msg: DhcpMessage): number | undefined {
  const data = getOption(msg, DhcpOptionCode.MessageType);
  return data?.length === 1 ? data[0] : undefined;
}

/** An option of exactly four bytes (51, 58, 59: seconds) as a uint32. */
export function getU32Option(msg: DhcpMessage, code: number): number | undefined {
  const data = getOption(msg, code);
  return data?.length === 4 ? readU32(data, 0) : undefined;
}

/** An option that carries exactly one IPv4 address (50, 54, ...), as uint32. */
export function getIpv4Option(msg: DhcpMessage, code: number): number | undefined {
  return getU32Option(msg, code);
}

export function getParameterRequestList(msg: DhcpMessage): readonly number[] {
  return Array.from(getOption(msg, DhcpOptionCode.ParameterRequestList) ?? []);
}

export function ipv4ToBytes(ip: number): Uint8Array {
  return u32ToBytes(ip);
}
