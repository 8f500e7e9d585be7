// Readings from /proc for one process (CPU ticks, memory lines, context
// switches) and for one namespace (UDP receive-buffer overflows). Pure parsing
// is split from reading so the figures can be checked without a process.

import { readdirSync, readFileSync } from 'node:fs';
import { run } from './netns';

/** USER_HZ: Linux reports utime/stime in 1/100 s on every platform we run on. */
const TICKS_PER_SEC = 100;

export interface ProcStatus {
  readonly vmRssKb: number;
  readonly rssAnonKb: number;
  readonly vmHwmKb: number;
  readonly voluntaryCtxt: number;
  readonly nonvoluntaryCtxt: number;
}

export interface CpuTimes {
  readonly userSec: number;
  readonly systemSec: number;
}

/** utime and stime in seconds from the text of /proc/PID/stat (the command name may hold spaces). */
export function parseCpuTimes(stat: string): CpuTimes {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the whole line are 12 and 13 after "pid (comm) ".
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read utime/stime from ${stat.slice(0, 80)}`);
  return { userSec: utime / TICKS_PER_SEC, systemSec: stime / TICKS_PER_SEC };
}

export function parseCpuSeconds(stat: string): number {
  const t = parseCpuTimes(stat);
  return t.userSec + t.systemSec;
}

export function parseStatus(text: string): ProcStatus {
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m?.[1] === undefined ? NaN : Number(m[1]);
  };
  return {
    vmRssKb: field('VmRSS'),
    rssAnonKb: field('RssAnon'),
    vmHwmKb: field('VmHWM'),
    voluntaryCtxt: field('voluntary_ctxt_switches'),
    nonvoluntaryCtxt: field('nonvoluntary_ctxt_switches'),
  };
}

export function readCpuSeconds(pid: number): number {
  return parseCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function readCpuTimes(pid: number): CpuTimes {
  return parseCpuTimes(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function readStatus(pid: number): ProcStatus {
  return parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** The "Udp: ... RcvbufErrors" counter of /proc/net/snmp. */
export function parseUdpRcvbufErrors(snmp: string): number {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const i = names.indexOf('RcvbufErrors');
  return i < 0 ? 0 : Number(values[i] ?? 0);
}

/** /proc/net/snmp is per network namespace: read it from inside `ns`. */
export function readUdpRcvbufErrors(ns: string): number {
  return parseUdpRcvbufErrors(run('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp']));
}

export function formatMb(kb: number): string {
  return Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)}` : 'n/a';
}

export function formatMemory(s: ProcStatus): string {
  return `VmRSS ${formatMb(s.vmRssKb)} RssAnon ${formatMb(s.rssAnonKb)} VmHWM ${formatMb(s.vmHwmKb)} MB`;
}

/** Context switches summed over every thread (V8 and libuv threads wake too), and the thread count. */
export function readThreadSwitches(pid: number): { voluntary: number; nonvoluntary: number; threads: number } {
  let voluntary = 0;
  let nonvoluntary = 0;
  let threads = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = parseStatus(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
      voluntary += s.voluntaryCtxt;
      nonvoluntary += s.nonvoluntaryCtxt;
      threads++;
    } catch {
      // the thread ended between listing and reading
    }
  }
  return { voluntary, nonvoluntary, threads };
}
