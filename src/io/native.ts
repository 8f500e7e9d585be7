// Loads our one native helper (src/io/native/ddhcpd_native.c): binds dgram
// sockets to a device, and sends IPv4 datagrams on them without dgram's send path. The .node file sits beside the bundle in dist/;
// when running from source (tests through tsx) it is found in ../../dist.

import type { Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** What receive() returns: only closeReceiver() understands it. */
export interface ReceiverHandle {
  readonly __receiver: unique symbol;
}

interface NativeHelper {
  bindToDevice(fd: number, ifname: string): void;
  /** 0, or the errno of the failed send. */
  sendTo(fd: number, bytes: Uint8Array, ipv4: number, port: number): number;
  openUdp4(ifname: string, port: number, rcvbuf: number): number;
  receive(fd: number, buffer: Uint8Array, onDatagram: (length: number) => void): ReceiverHandle;
  closeReceiver(handle: ReceiverHandle): void;
  openArp(ifname: string): number;
  hardwareAddress(fd: number): Uint8Array;
  /** 0, or the errno of the failed send. */
  sendArp(fd: number, bytes: Uint8Array): number;
}

let helper: NativeHelper | undefined;

function loadHelper(): NativeHelper {
  if (helper !== undefined) return helper;
  const candidates = [
    path.join(__dirname, 'ddhcpd_native.node'),
    path.join(__dirname, '..', '..', 'dist', 'ddhcpd_native.node'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`native helper ddhcpd_native.node not found (looked in ${candidates.join(', ')}); run make build`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  helper = require(found) as NativeHelper;
  return helper;
}

/** The fd of a bound dgram socket; Node keeps it in an internal state object. */
export function socketFd(socket: Socket): number {
  const stateKey = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const state = stateKey === undefined ? undefined : (socket as unknown as Record<symbol, { handle?: { fd?: number } }>)[stateKey];
  const fd = state?.handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('cannot find the file descriptor of a dgram socket');
  return fd;
}

export function bindSocketToDevice(socket: Socket, ifname: string): void {
  loadHelper().bindToDevice(socketFd(socket), ifname);
}

/**
 * Sends one datagram on the socket's fd at once, never blocking; returns 0 or the
 * errno (EAGAIN when the send buffer is full: the datagram is dropped, as UDP may).
 */
export function sendDatagram4(fd: number, bytes: Uint8Array, ipv4: number, port: number): number {
  return loadHelper().sendTo(fd, bytes, ipv4 >>> 0, port);
}

/** A non-blocking UDP socket on 0.0.0.0:port bound to `ifname`, broadcast allowed; throws naming the failed step. */
export function openUdp4(ifname: string, port: number, rcvbuf: number): number {
  return loadHelper().openUdp4(ifname, port, rcvbuf);
}

/**
 * Reads every datagram into `buffer` (overwritten by the next) and calls back with
 * its length, or with -errno when reading fails. closeReceiver stops it and closes the fd.
 */
export function receiveDatagrams(fd: number, buffer: Uint8Array, onDatagram: (length: number) => void): ReceiverHandle {
  return loadHelper().receive(fd, buffer, onDatagram);
}

export function closeReceiver(handle: ReceiverHandle): void {
  loadHelper().closeReceiver(handle);
}

/** A non-blocking packet socket for ARP on `ifname`; read it with receiveDatagrams. Throws naming the failed step. */
export function openArp(ifname: string): number {
  return loadHelper().openArp(ifname);
}

/** The MAC of the device an ARP socket is bound to. */
export function hardwareAddress(fd: number): Uint8Array {
  return Uint8Array.from(loadHelper().hardwareAddress(fd));
}

/** Broadcasts one ARP packet on the socket's device; 0 or the errno. */
export function sendArp(fd: number, bytes: Uint8Array): number {
  return loadHelper().sendArp(fd, bytes);
}
