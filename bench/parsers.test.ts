// The bench's own parsers: perfdhcp's report and timestamps, /proc lines, the
// wrapper's node flags, percentiles. Run with
// `node --import tsx --test bench/parsers.test.ts` (not part of make test).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePerfdhcp, percentile } from './perfdhcp';
import { parseCpuTimes, parseStatus, parseUdpRcvbufErrors } from './proc';
import { readRouterFlags } from './servers';
import { median } from './stats';

const REPORT = `Running: perfdhcp -4 -l 10.0.0.2 -r 200 -R 10000 -p 2 -W 500000 -x t 10.0.0.1
***Rate statistics***
Rate: 159.138 4-way exchanges/second, expected rate: 200

***Statistics for: DISCOVER-OFFER***
sent packets: 398
received packets: 396
drops: 2
drops ratio: 0.5 %

***Statistics for: REQUEST-ACK***
sent packets: 396
received packets: 395
drops: 1

***Timestamps for packets: DISCOVER-OFFER***
sent / received: 000000.008196 / 000000.009196
sent / received: 000001.000000 / 000001.003000
***Timestamps for packets: REQUEST-ACK***
sent / received: 000000.100000 / 000000.100500
`;

test('perfdhcp report: counts per exchange and sorted round trips in ms', () => {
  const r = parsePerfdhcp(REPORT);
  assert.equal(r.rate, 159.138);
  assert.deepEqual([r.discoverOffer.sent, r.discoverOffer.received, r.requestAck.sent, r.requestAck.received], [398, 396, 396, 395]);
  assert.deepEqual(r.discoverOffer.latenciesMs.map((v) => Math.round(v * 1000) / 1000), [1, 3]);
  assert.deepEqual(r.requestAck.latenciesMs.map((v) => Math.round(v * 1000) / 1000), [0.5]);
});

test('percentile is nearest-rank; median averages the middle pair', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('/proc parsing: stat with spaces in the name, status lines, UDP overflow counter', () => {
  const stat = '123 (node worker) S 1 123 123 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 1000 0 0';
  assert.deepEqual(parseCpuTimes(stat), { userSec: 2.5, systemSec: 0.75 });
  const status = parseStatus('Name:\tnode\nVmHWM:\t  52000 kB\nVmRSS:\t  51000 kB\nRssAnon:\t  14000 kB\nvoluntary_ctxt_switches:\t7\nnonvoluntary_ctxt_switches:\t3\n');
  assert.deepEqual(status, { vmRssKb: 51000, rssAnonKb: 14000, vmHwmKb: 52000, voluntaryCtxt: 7, nonvoluntaryCtxt: 3 });
  const snmp = 'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdp: 10 0 4 9 4 0\n';
  assert.equal(parseUdpRcvbufErrors(snmp), 4);
});

test('router flags come from the package wrapper', () => {
  const flags = readRouterFlags();
  assert.ok(flags.length > 0);
  assert.ok(flags.every((f) => f.startsWith('--')));
  assert.ok(flags.some((f) => f.startsWith('--max-old-space-size')));
});
