// Readers for the few DHCP options the server acts on, and the byte forms of
// values it writes. Pure lookups over a decoded DhcpMessage; no policy.

import { DhcpOptionCode, type DhcpMessage } from './dhcp-message';
import { u32ToBytes } from './bytes';

export { u32ToBytes } from './bytes';

/** The option's data; the decoder has already merged repeated instances (RFC 3396). */
export function getOption(msg: DhcpMessage, code: number): Uint8Array | undefined {
  return msg.options.find((o) => o.code === code)?.data;
}

/** Option 53, when present with exactly one byte. Absent means BOOTP. */
export function getMessageType(msg: DhcpMessage): number | undefined {
  const data = getOption(msg, DhcpOptionCode.MessageType);
  return data?.length === 1 ? data[0] : undefined;
}

/** An option that carries exactly one IPv4 address (50, 54, ...), as uint32. */
export function getIpv4Option(msg: DhcpMessage, code: number): number | undefined {
  const data = getOption(msg, code);
  if (data?.length !== 4) return undefined;
  return (((data[0] ?? 0) << 24) | ((data[1] ?? 0) << 16) | ((data[2] ?? 0) << 8) | (data[3] ?? 0)) >>> 0;
}

export function getParameterRequestList(msg: DhcpMessage): readonly number[] {
  return Array.from(getOption(msg, DhcpOptionCode.ParameterRequestList) ?? []);
}

/** "aa:bb:cc:dd:ee:ff" from the first 6 chaddr bytes (zeros if chaddr is shorter). */
export function formatMac(chaddr: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((chaddr[i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

export function ipv4ToBytes(ip: number): Uint8Array {
  return u32ToBytes(ip);
}
