// Drives the relay client (bench/relay-client.ts) from the bench process: it
// must run inside the client namespace, so it is a child process that answers
// with one JSON line. Also reads our daemon's block table over its control socket.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { BenchNet } from './netns';
import { RELAY_IP, SERVER_IP, sleep } from './netns';
import type { LeaseSummary } from './relay-client';
import { ctlBundlePath } from './servers';

const CLIENT_SCRIPT = path.join(__dirname, 'relay-client.ts');

function lastJsonLine<T>(out: string): T {
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}

/** DORA for `count` MACs numbered from `first`, at most `window` in flight. */
export async function leaseClients(net: BenchNet, first: number, count: number, window = 64): Promise<LeaseSummary> {
  const child = net.spawnIn(net.client, undefined, process.execPath,
    ['--import', 'tsx', CLIENT_SCRIPT, 'lease', SERVER_IP, RELAY_IP, String(first), String(count), String(window)]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  if (code !== 0) throw new Error(`relay client failed (${code}): ${out.slice(0, 500)}`);
  return lastJsonLine<LeaseSummary>(out);
}

/** Starts a probe that DISCOVERs every `intervalMs`; `ready` resolves once it is sending, `offer` with the first OFFER's epoch ms. */
export function startOfferProbe(net: BenchNet, intervalMs: number, timeoutMs: number): { ready: Promise<void>; offer: Promise<number | undefined> } {
  const child = net.spawnIn(net.client, undefined, process.execPath,
    ['--import', 'tsx', CLIENT_SCRIPT, 'probe', SERVER_IP, RELAY_IP, String(intervalMs), String(timeoutMs)]);
  let out = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) markReady();
  });
  const offer = new Promise<number | undefined>((resolve) => {
    child.once('exit', () => {
      markReady();
      try {
        resolve(lastJsonLine<{ offerAtEpochMs: number | null }>(out).offerAtEpochMs ?? undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
  return { ready, offer };
}

interface BlockJson {
  readonly state: string;
  readonly leases?: { readonly offered: number; readonly leased: number };
}

export interface BlockUse {
  readonly ours: number;
  readonly free: number;
  readonly used: number;
}

export function readBlockUse(net: BenchNet, ctl: string, blockSize: number): BlockUse | undefined {
  try {
    const out = execFileSync('ip', ['netns', 'exec', net.server, process.execPath, ctlBundlePath(), '-C', ctl, '-t', '5', '-b', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const blocks = (JSON.parse(out) as { blocks: BlockJson[] }).blocks.filter((b) => b.state === 'ours');
    const used = blocks.reduce((n, b) => n + (b.leases?.offered ?? 0) + (b.leases?.leased ?? 0), 0);
    return { ours: blocks.length, used, free: blocks.length * blockSize - used };
  } catch {
    return undefined;
  }
}

/** Waits until our daemon owns at least `minFree` free addresses (blocks claimed), or throws. */
export async function waitForFreeLeases(net: BenchNet, ctl: string, blockSize: number, minFree: number, timeoutMs: number): Promise<BlockUse> {
  const until = Date.now() + timeoutMs;
  let last: BlockUse | undefined;
  while (Date.now() < until) {
    last = readBlockUse(net, ctl, blockSize);
    if (last !== undefined && last.free >= minFree) return last;
    await sleep(250);
  }
  throw new Error(`daemon did not reach ${minFree} free leases within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** Waits until one relayed DORA succeeds (the server is up and serving). */
export async function waitServing(net: BenchNet, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (let k = 0; Date.now() < until; k++) {
    const r = await leaseClients(net, 0x7f000000 + k, 1, 1).catch(() => undefined);
    if (r !== undefined && r.acked === 1) return;
    await sleep(200);
  }
  throw new Error(`server did not answer a relayed DORA within ${timeoutMs} ms`);
}
