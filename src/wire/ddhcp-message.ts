// Typed DDHCP node-to-node messages, as on the wire of the C ddhcpd
// (docs/protocol.md, test/vectors/ddhcp-vectors/README.md). No policy here:
// the codec in ddhcp.ts turns bytes into these values and back.

export const DdhcpCommand = {
  UpdateClaim: 1,
  Inquire: 2,
  RenewLease: 16,
  LeaseAck: 17,
  LeaseNak: 18,
  Release: 19,
} as const;
export type DdhcpCommandCode = (typeof DdhcpCommand)[keyof typeof DdhcpCommand];

export const DDHCP_HEADER_BYTES = 16;
export const DDHCP_LEASE_MESSAGE_BYTES = 44;
/** The C daemon never puts more than 32 claims in one UPDATECLAIM (240 bytes). */
export const MAX_CLAIMS_PER_PACKET = 32;
export const DDHCP_MCAST_PORT = 1234;
export const DDHCP_UNICAST_PORT = 1235;
export const DDHCP_MCAST_GROUP = 'ff02::1234';

/** 16 lowercase hex digits; string order equals the C daemon's memcmp order. */
export type NodeId = string;

export interface DdhcpHeader {
  readonly nodeId: NodeId;
  /** IPv4 network address as uint32. */
  readonly prefix: number;
  readonly prefixLen: number;
  /** Addresses per block (not its power of two). */
  readonly blockSize: number;
}

export interface ClaimEntry {
  readonly blockIndex: number;
  readonly timeoutSec: number;
  readonly reserved: number;
}

export interface LeasePayload {
  /**
   * The address field exactly as read big-endian from bytes 16..19. C peers on
   * little-endian hosts write it byte-reversed; the core decides which form lies
   * inside our network (renewlease.json, bigendian.json).
   */
  readonly addressRaw: number;
  readonly xid: number;
  readonly leaseSeconds: number;
  /** All 16 bytes of the client's DHCP chaddr. */
  readonly chaddr: Uint8Array;
}

export type DdhcpMessage =
  | (DdhcpHeader & { readonly command: typeof DdhcpCommand.UpdateClaim; readonly claims: readonly ClaimEntry[] })
  | (DdhcpHeader & { readonly command: typeof DdhcpCommand.Inquire; readonly blocks: readonly number[] })
  | (DdhcpHeader & {
      readonly command:
        | typeof DdhcpCommand.RenewLease
        | typeof DdhcpCommand.LeaseAck
        | typeof DdhcpCommand.LeaseNak
        | typeof DdhcpCommand.Release;
      /** The count byte: written 0 by C senders, ignored on receipt. */
      readonly count: number;
      readonly lease: LeasePayload;
    });

export type DdhcpLeaseMessage = Extract<DdhcpMessage, { readonly lease: LeasePayload }>;

export type DdhcpDecodeError =
  | { readonly kind: 'tooShort'; readonly need: number; readonly got: number }
  | { readonly kind: 'badLength'; readonly command: number; readonly expected: number; readonly got: number }
  | { readonly kind: 'unknownCommand'; readonly command: number };
