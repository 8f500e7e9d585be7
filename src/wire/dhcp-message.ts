// Typed BOOTP/DHCP messages (RFC 2131 section 2, RFC 2132). Options are kept as
// an ordered list of raw code/bytes pairs; helpers in dhcp-options.ts read the
// few the server acts on. No policy here.

export const DhcpMessageType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
} as const;
export type DhcpMessageTypeCode = (typeof DhcpMessageType)[keyof typeof DhcpMessageType];

export const DhcpOptionCode = {
  Pad: 0,
  SubnetMask: 1,
  TimeOffset: 2,
  Router: 3,
  BroadcastAddress: 28,
  RequestedAddress: 50,
  LeaseTime: 51,
  Overload: 52,
  MessageType: 53,
  ServerIdentifier: 54,
  ParameterRequestList: 55,
  Message: 56,
  MaxMessageSize: 57,
  RenewalTime: 58,
  RebindingTime: 59,
  ClientIdentifier: 61,
  End: 255,
} as const;

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
/** Fixed BOOTP part (236 bytes) plus the magic cookie. */
export const DHCP_FIXED_BYTES = 240;

export interface DhcpOption {
  readonly code: number;
  readonly data: Uint8Array;
}

export interface DhcpMessage {
  readonly op: number;
  readonly htype: number;
  readonly hlen: number;
  readonly hops: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  /** IPv4 addresses as uint32. */
  readonly ciaddr: number;
  readonly yiaddr: number;
  readonly siaddr: number;
  readonly giaddr: number;
  /** All 16 bytes. */
  readonly chaddr: Uint8Array;
  /** 64 bytes, zero-padded. */
  readonly sname: Uint8Array;
  /** 128 bytes, zero-padded. */
  readonly file: Uint8Array;
  /** In wire order; option 52 overload fields already merged in by the decoder. */
  readonly options: readonly DhcpOption[];
}

export type DhcpDecodeError =
  | { readonly kind: 'tooShort'; readonly need: number; readonly got: number }
  | { readonly kind: 'badMagicCookie' }
  | { readonly kind: 'badOp'; readonly op: number }
  | { readonly kind: 'badHardwareLength'; readonly hlen: number }
  | { readonly kind: 'badOption'; readonly code: number; readonly offset: number }
  | { readonly kind: 'missingMessageType' };
