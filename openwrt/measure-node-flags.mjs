// Measures what node's memory flags do for ddhcpd on a router: peak RSS of
// `ddhcpd -h` (start-up cost of the bundle) and RSS plus CPU time of a synthetic
// steady load (timers, a UDP socket on loopback, a lease table), per flag set.
// Usage: node openwrt/measure-node-flags.mjs [bundle] [seconds]
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';

const bundle = process.argv[2] ?? 'dist/ddhcpd.js';
const seconds = Number(process.argv[3] ?? 20);
const PAGE = 4096;
const TICKS = 100;

const flagSets = [
  [],
  ['--max-old-space-size=24'],
  ['--max-old-space-size=24', '--max-semi-space-size=1'],
  ['--max-old-space-size=24', '--max-semi-space-size=1', '--v8-pool-size=0'],
  ['--max-old-space-size=24', '--max-semi-space-size=1', '--v8-pool-size=0', '--single-threaded'],
  ['--max-old-space-size=24', '--max-semi-space-size=1', '--v8-pool-size=0', '--optimize-for-size'],
  ['--max-old-space-size=24', '--max-semi-space-size=1', '--v8-pool-size=0', '--jitless', '--no-expose-wasm'],
  ['--max-old-space-size=24', '--max-semi-space-size=1', '--v8-pool-size=0', '--lite-mode', '--no-expose-wasm'],
];

// A stand-in for the daemon's steady state: 2000 leases in a Map, a 1 s
// housekeeping timer, and 400 datagrams/s of 300 bytes parsed on receipt.
const workload = `
const dgram = require('node:dgram');
const leases = new Map();
for (let i = 0; i < 2000; i++) leases.set(i, { ip: 0x0a740000 + i, mac: Buffer.alloc(6, i & 255), state: 'leased', until: Date.now() + 300000 });
const rx = dgram.createSocket('udp4');
const tx = dgram.createSocket('udp4');
let got = 0;
rx.on('message', (m) => { got++; const v = new DataView(m.buffer, m.byteOffset, m.length); let s = 0; for (let i = 0; i + 4 <= m.length; i += 4) s ^= v.getUint32(i); leases.get(s & 1023); });
rx.bind(0, '127.0.0.1', () => {
  const port = rx.address().port;
  const pkt = Buffer.alloc(300, 7);
  setInterval(() => { for (let i = 0; i < 40; i++) tx.send(pkt, port, '127.0.0.1'); }, 100);
  setInterval(() => { const now = Date.now(); for (const l of leases.values()) if (l.until < now) l.state = 'free'; }, 1000);
});
`;

function readStatus(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), hwm: kb('VmHWM'), threads: Number(/^Threads:\s+(\d+)/m.exec(text)?.[1]) };
}

function readCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

function runHelp(flags) {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, ...flags, bundle, '-h'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, maxKb: Number(err.trim().split('\n').pop()) }));
  });
}

function runLoad(flags) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...flags, '-e', workload], { stdio: 'ignore' });
    setTimeout(() => {
      const st = readStatus(child.pid);
      const cpu = readCpuMs(child.pid);
      child.kill('SIGTERM');
      resolve({ ...st, cpuMs: cpu });
    }, seconds * 1000);
  });
}

console.log(`node ${process.version} ${process.arch}; bundle ${bundle}${existsSync(bundle) ? '' : ' (missing: -h column skipped)'}; load ${seconds} s`);
console.log('flags | -h max RSS kB | load RSS kB (anon + file) | load peak kB | threads | load CPU ms');
for (const flags of flagSets) {
  const help = existsSync(bundle) ? await runHelp(flags) : { code: -1, maxKb: NaN };
  const load = await runLoad(flags);
  const name = flags.length === 0 ? '(none)' : flags.join(' ');
  console.log(`${name} | ${help.code === 0 ? help.maxKb : `exit ${help.code}`} | ${load.rss} (${load.anon} + ${load.file}) | ${load.hwm} | ${load.threads} | ${load.cpuMs}`);
}
