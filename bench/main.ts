// `make bench` (bench/run.sh): load against ddhcpd, dnsmasq and Kea, memory,
// start-up and idle figures of our daemon, time to lease (bench/time-to-lease.ts),
// printed and appended to bench/RESULTS.md. Environment: BENCH_QUICK=1 for a smoke run (one point per
// server, 5 s), BENCH_PARTS (load,memory,startup,idle,ttl; BENCH_TTL_* as in bench/time-to-lease.ts; also profile with BENCH_PROFILE_RATE
// and BENCH_PROFILE_KIND), BENCH_SERVERS, BENCH_RATES, BENCH_REPEATS,
// BENCH_PERIOD, BENCH_IDLE_SEC, BENCH_NO_RESULTS=1 (print only), BENCH_KEEP=1 (keep the work dir).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatIdle, runIdle, type IdleFigures } from './idle';
import { formatPoint, formatServerLine, loadSetup, packageDefaultsSetup, profileDdhcpd, runLoad, type LoadOptions, type ServerFigures } from './load';
import { runTimeToLease, ttlOptionsFromEnv } from './time-to-lease';
import { formatMemory, runMemory, type MemoryFigures } from './memory';
import { BenchNet } from './netns';
import { buildProbe } from './probe';
import { appendResults, changesSince, describeCommit, describeMachine, loadAverage, previousCommit } from './results';
import { bundlePath, ddhcpdArgs, pinBuild, readRouterFlags, type ServerKind } from './servers';
import { formatStartup, makeSmallState, runStartup, type StartupFigures } from './startup';

const env = process.env;
const quick = env['BENCH_QUICK'] === '1';
const list = (v: string | undefined, dflt: readonly string[]): string[] => (v === undefined || v === '' ? [...dflt] : v.split(',').map((s) => s.trim()));
const num = (v: string | undefined, dflt: number): number => (v === undefined || v === '' ? dflt : Number(v));

const parts = new Set(list(env['BENCH_PARTS'], ['load', 'memory', 'startup', 'idle', 'ttl']));
const loadOptions: LoadOptions = {
  // ddhcpd-defaults waits out a learning phase of up to 300 s before its sweep: not in a smoke run.
  kinds: list(env['BENCH_SERVERS'], quick ? ['ddhcpd', 'ddhcpd-router', 'dnsmasq', 'kea'] : ['ddhcpd', 'ddhcpd-router', 'ddhcpd-defaults', 'dnsmasq', 'kea']) as ServerKind[],
  rates: list(env['BENCH_RATES'], quick ? ['1000'] : ['500', '1000', '2000', '3000', '4000', '5000', '6000']).map(Number),
  repeats: num(env['BENCH_REPEATS'], quick ? 1 : 3),
  periodSec: num(env['BENCH_PERIOD'], quick ? 5 : 20),
  clients: 10_000,
  warmupSec: quick ? 2 : 5,
  bisect: !quick,
  profileSec: quick ? 0 : 10,
};
const idleSec = num(env['BENCH_IDLE_SEC'], quick ? 10 : 60);

async function main(): Promise<void> {
  const started = new Date();
  const loadBefore = loadAverage();
  const work = mkdtempSync(path.join(tmpdir(), 'ddhcpd-bench-'));
  const lines: string[] = [];
  const log = (l: string): void => {
    process.stdout.write(`${l}\n`);
  };
  let net: BenchNet | undefined;
  let servers: ServerFigures[] = [];
  const memory: MemoryFigures[] = [];
  let startup: StartupFigures[] = [];
  const idle: IdleFigures[] = [];
  const profiles: string[] = [];
  let ttl: string[] = [];
  try {
    pinBuild(path.join(work, 'dist'));
    net = new BenchNet();
    await net.waitLinkLocal();
    const probe = buildProbe(work);
    if (parts.has('load')) servers = await runLoad(net, path.join(work, 'load'), loadOptions, log);
    if (parts.has('profile')) {
      const rate = num(env['BENCH_PROFILE_RATE'], 1000);
      const kind = env['BENCH_PROFILE_KIND'] === 'ddhcpd-router' ? 'ddhcpd-router' : 'ddhcpd';
      profiles.push(`${kind} profile at ${rate}/s:\n${await profileDdhcpd(net, kind, path.join(work, 'profile'), rate, { ...loadOptions, profileSec: loadOptions.periodSec })}`);
      log(profiles[profiles.length - 1] ?? '');
    }
    if (parts.has('memory')) {
      for (const router of [true, false]) memory.push(await runMemory(net, work, probe, router, quick ? [1000] : [1000, 10_000], log));
    }
    if (parts.has('startup')) {
      const small = await makeSmallState(net, path.join(work, 'small-state'));
      const states = [{ label: '3 blocks, 0 leases', dir: small }];
      if (!quick && memory.length > 0) states.push({ label: '~160 blocks, 10000 leases', dir: path.join(work, 'memory-plain', 'state') });
      startup = await runStartup(net, work, probe, states, quick ? 1 : 5, log);
    }
    if (parts.has('idle')) {
      idle.push(await runIdle(net, work, idleSec, 300, log));
      if (!quick) idle.push(await runIdle(net, work, idleSec, 60, log));
    }
    if (parts.has('ttl')) ttl = await runTimeToLease(ttlOptionsFromEnv(env), log);
  } finally {
    net?.closeSync();
    if (env['BENCH_KEEP'] === '1') log(`work directory kept: ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }

  lines.push(`## ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${describeCommit()}${quick ? ' (BENCH_QUICK smoke run)' : ''}`, '');
  lines.push(`- machine: ${describeMachine()}; load average before ${loadBefore}, after ${loadAverage()}`);
  lines.push(`- command: \`make bench\`${quick ? ' with BENCH_QUICK=1' : ''}; parts ${[...parts].join(', ')}`);
  for (const c of changesSince(previousCommit())) lines.push(c.startsWith('  ') ? `  - ${c.trim()}` : `- changes: ${c}`);
  if (servers.length > 0) {
    const exampleDdhcpd = ddhcpdArgs('DIR', loadSetup(loadOptions.clients, [])).args.slice(1).join(' ');
    lines.push('', '### Load (perfdhcp as relay, full DORA, 10 000 clients)', '');
    lines.push(`- perfdhcp: \`taskset -c 0 perfdhcp -4 -l 10.0.0.2 -r RATE -R ${loadOptions.clients} -p ${loadOptions.periodSec} -s SEED -W 1000000 -x t 10.0.0.1\`, ` +
      `${loadOptions.repeats} runs per rate, median; rates ${loadOptions.rates.join(', ')} until the median drop is >= 1 %${loadOptions.bisect ? ', then one point between' : ''}`);
    lines.push(`- ddhcpd: \`taskset -c 1 node dist/ddhcpd.js ${exampleDdhcpd}\`; ddhcpd-router adds \`${readRouterFlags().join(' ')}\``);
    if (loadOptions.kinds.includes('ddhcpd-defaults')) {
      const d = ddhcpdArgs('DIR', packageDefaultsSetup(readRouterFlags())).args.map((a) => (a === bundlePath() ? 'dist/ddhcpd.js' : a));
      lines.push(`- ddhcpd-defaults (the package's UCI defaults, learning on, no saved state; the sweep starts once a relayed DORA succeeds): \`node ${d.join(' ')}\``);
    }
    lines.push('- dnsmasq 2.90: `--no-ping --leasefile-ro --dhcp-lease-max=65536 --interface=eth0 --bind-interfaces --dhcp-range=10.0.128.1,10.0.255.254,255.255.0.0,3600s`; Kea 2.2: memfile, persist false, same pool');
    lines.push('', '```');
    for (const s of servers) lines.push(formatServerLine(s));
    lines.push('', 'points (median of runs; per-run drops in brackets):');
    for (const s of servers) for (const p of s.points) lines.push(formatPoint(s.kind, p));
    for (const s of servers) if (s.profile !== undefined) lines.push('', `${s.kind} profile at ${s.firstFail?.rate}/s:`, s.profile);
    lines.push('```');
  }
  if (profiles.length > 0) lines.push('', '### Profile (node --cpu-prof, BENCH_PARTS=profile)', '', '```', ...profiles, '```');
  if (memory.length > 0) {
    lines.push('', '### Memory (our daemon; RssAnon measured before the probe forces a GC)', '', '```');
    for (const m of memory) lines.push(...formatMemory(m));
    lines.push('```');
  }
  if (startup.length > 0) lines.push('', '### Start-up (state file restored, learning on)', '', '```', ...startup.map(formatStartup), '```');
  if (ttl.length > 0) lines.push('', '### Time to lease (bench/time-to-lease.ts; real udhcpc clients, perfdhcp as relay)', '', '```', ...ttl, '```');
  if (idle.length > 0) lines.push('', '### Idle', '', '```', ...idle.map(formatIdle), '```');
  const section = lines.join('\n');
  process.stdout.write(`\n${section}\n`);
  if (env['BENCH_NO_RESULTS'] !== '1') appendResults(section);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});

