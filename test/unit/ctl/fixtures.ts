// Test doubles for the control socket's presenters and server: a CoreView with
// the ctl-vectors lab configuration, and a DaemonApi that records every change.
// The option store follows C's semantics (replace in place, append new) so
// `-d` after `-o`/`-r` can be compared with the vectors.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BlockView, CoreConfig, CoreCounts, CoreView, OptionEntry } from '../../../src/core/types';
import type { DaemonApi, InterfaceStatus } from '../../../src/driver/daemon-api';
import { Statistics } from '../../../src/driver/stats';
import { CTL_VECTORS } from '../../vectors/dirs';

export const VECTORS = CTL_VECTORS;

export interface Vector {
  readonly flag?: string;
  readonly request_hex?: string | null;
  readonly request_writes?: number;
  readonly client_shutdown_wr?: boolean;
  readonly reply_text?: string;
  readonly reply_len?: number;
}

export function readVector(file: string): Vector {
  return JSON.parse(readFileSync(path.join(VECTORS, file), 'utf8')) as Vector;
}

export function ip(text: string): number {
  return text.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
}

function bytes(...b: number[]): Uint8Array {
  return Uint8Array.from(b);
}

/** The lab daemons' -o arguments, then the defaults C adds (d.json). */
export function labOptions(): OptionEntry[] {
  return [
    { code: 51, payload: bytes(0, 0, 0, 60) },
    { code: 1, payload: bytes(255, 255, 0, 0) },
    { code: 54, payload: bytes(10, 0, 0, 1) },
    { code: 3, payload: bytes(10, 0, 0, 1) },
    { code: 2, payload: bytes(0, 0, 0, 0) },
    { code: 28, payload: bytes(10, 0, 255, 255) },
  ];
}

/** -L -t 3 -b 2 -s 2 -N 10.0.128.0/17 (README); C's node id was all zeros. */
export function labConfig(over: Partial<CoreConfig> = {}): CoreConfig {
  return {
    nodeId: '0000000000000000',
    prefix: ip('10.0.128.0'),
    prefixLen: 17,
    blockSizePow: 2,
    blockTimeoutSec: 60,
    tentativeTimeoutSec: 3,
    needlessTimeoutSec: 300,
    spareLeases: 2,
    maxLeases: 16384,
    learning: false,
    dhcpEnabled: true,
    probeMs: 0,
    options: labOptions(),
    ...over,
  };
}

export interface FakeView extends CoreView {
  blockList: BlockView[];
  optionList: OptionEntry[];
  counts(): CoreCounts;
}

export function fakeView(cfg: CoreConfig = labConfig(), blocks: BlockView[] = []): FakeView {
  const view: FakeView = {
    config: cfg,
    learningUntil: undefined,
    blockList: blocks,
    optionList: [...cfg.options],
    blocks: () => [...view.blockList].sort((a, b) => a.index - b.index),
    leases: () => [],
    options: () => view.optionList,
    counts: () => {
      const n = (s: BlockView['state']): number => view.blockList.filter((b) => b.state === s).length;
      const sum = (k: 'free' | 'offered' | 'leased'): number =>
        view.blockList.reduce((a, b) => a + (b.leases?.[k] ?? 0), 0);
      return {
        blocksOurs: n('ours'),
        blocksClaimed: n('claimed'),
        blocksTentative: n('tentative'),
        blocksClaiming: n('claiming'),
        blocksTotal: 2 ** (32 - cfg.prefixLen - cfg.blockSizePow),
        leasesFree: sum('free'),
        leasesOffered: sum('offered'),
        leasesLeased: sum('leased'),
      };
    },
    serverIdentifier: () => undefined,
  };
  return view;
}

export function block(index: number, state: BlockView['state'], owner: string | undefined, timeoutAt: number | undefined,
  extra: Partial<BlockView> = {}): BlockView {
  return { index, state, owner, ownerAddress: undefined, claimCount: 0, timeoutAt, leases: undefined, ...extra };
}

/** Node 1 of b.json at now = 0: timeouts 56, 51, 56 s. */
export function labBlocksNode1(owners = { self: '0000000000000000', peer: '0000000000000000' }): BlockView[] {
  return [
    block(4719, 'ours', owners.self, 56_000, { claimCount: 3, leases: { free: 4, offered: 0, leased: 0 } }),
    block(7450, 'claimed', owners.peer, 51_000),
    block(8029, 'ours', owners.self, 55_400, { claimCount: 3, leases: { free: 0, offered: 1, leased: 3 } }),
  ];
}

export interface Call {
  readonly kind: 'setOption' | 'removeOption' | 'setLogLevel' | 'reload';
  readonly arg?: unknown;
}

export interface FakeApi extends DaemonApi {
  readonly calls: Call[];
  readonly fakeView: FakeView;
  nowMs: number;
  level: number;
}

export function fakeApi(view: FakeView = fakeView(labConfig(), labBlocksNode1())): FakeApi {
  const api: FakeApi = {
    calls: [],
    fakeView: view,
    nowMs: 0,
    level: 2,
    now: () => api.nowMs,
    startedAt: 0,
    view: () => view,
    stats: new Statistics(),
    interfaces: (): InterfaceStatus[] => [],
    setOption(option) {
      api.calls.push({ kind: 'setOption', arg: { code: option.code, payload: [...option.payload] } });
      const at = view.optionList.findIndex((o) => o.code === option.code);
      if (at >= 0) view.optionList[at] = option;
      else view.optionList.push(option);
    },
    removeOption(code) {
      api.calls.push({ kind: 'removeOption', arg: code });
      view.optionList = view.optionList.filter((o) => o.code !== code);
    },
    logLevel: () => api.level,
    setLogLevel(level) {
      api.calls.push({ kind: 'setLogLevel', arg: level });
      api.level = level;
    },
    reload() {
      api.calls.push({ kind: 'reload' });
      return Promise.resolve(undefined);
    },
  };
  return api;
}
