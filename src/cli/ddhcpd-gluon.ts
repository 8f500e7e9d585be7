// ddhcpd-gluon: the Gluon glue, run by /lib/gluon/upgrade/560-ddhcpd and by the
// gateway follower. `upgrade` writes /etc/config/ddhcpd from the site (and the
// node's domain); `follow-gateway` sets router (3) and DNS (6) to the IPv4
// address of the gateway batman-adv selected, over the control socket (so it
// drives the C daemon too), and prints it. The decisions are in src/gluon;
// this file only reads, writes and sends.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseIpv4, parseNetwork, type Network } from '../config/parse';
import { gatewayAddress, type BatctlTables } from '../gluon/gateway';
import { configureFromSite } from '../gluon/site-config';
import { chooseDomain, isTable, mergeSite, type JsonTable } from '../gluon/site-json';
import { parseUciFile, renderUciFile } from '../gluon/uci-file';
import { exchangeControl } from '../ctl/client';
import type { UciValues } from '../ubus/uci-values';
import { encodeControlRequest } from '../ctl/codec';
import { err, ok, type Result } from '../wire/result';
import { DEFAULT_CONTROL_PATH } from './ddhcpdctl-args';
import { runMain } from './run-main';

const USAGE = `usage: ddhcpd-gluon upgrade [--root DIR]
       ddhcpd-gluon follow-gateway --network PREFIX4 [--mesh IFACE] [--control PATH]
`;
const BATCTL_TIMEOUT_MS = 5000;
const CONTROL_TIMEOUT_MS = 5000;
/** Router (3) and DNS (6), as the older package set them with ddhcpdctl. */
const FOLLOWED_OPTIONS = [3, 6] as const;

function readJson(file: string): Result<JsonTable, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return err(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const v: unknown = JSON.parse(text);
    return isTable(v) ? ok(v) : err(`${file}: not a JSON object`);
  } catch (e) {
    return err(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function readUci(root: string, config: string): Result<UciValues | undefined, string> {
  const file = path.join(root, 'etc/config', config);
  if (!existsSync(file)) return ok(undefined);
  return parseUciFile(config, readFileSync(file, 'utf8'));
}

function upgrade(root: string): Result<string, string> {
  const siteFile = path.join(root, 'lib/gluon/site.json');
  const site = readJson(siteFile);
  if (!site.ok) return site;
  let merged = site.value;
  let domain: { code: string; table: JsonTable } | undefined;
  const domains = path.join(root, 'lib/gluon/domains');
  if (existsSync(domains)) {
    const gluon = readUci(root, 'gluon');
    if (!gluon.ok) return gluon;
    const core = gluon.value?.sections.find((s) => s.name === 'core')?.options.get('domain');
    const code = chooseDomain(site.value, typeof core === 'string' ? core : undefined, (c) => existsSync(path.join(domains, `${c}.json`)));
    if (code === undefined) return err(`no domain file for gluon.core.domain '${String(core ?? '')}' nor for default_domain in ${domains}`);
    const table = readJson(path.join(domains, `${code}.json`));
    if (!table.ok) return table;
    domain = { code, table: table.value };
    merged = mergeSite(site.value, table.value);
  }
  const node = readUci(root, 'ddhcpd');
  if (!node.ok) return node;
  const outcome = configureFromSite({ site: merged, domain, node: node.value });
  if (!outcome.ok) return outcome;
  if (outcome.value.kind === 'no-section') return ok('the site has no ddhcpd section; /etc/config/ddhcpd left as it is');
  const from = domain === undefined ? 'site.json' : `site.json and domains/${domain.code}.json`;
  const text = renderUciFile(outcome.value.sections, [
    `Written by /lib/gluon/upgrade/560-ddhcpd from ${from},`,
    'again at every upgrade and gluon-reconfigure: what the site sets is rewritten;',
    'enabled and gluon.follow_gateway set on this node win over the site; other',
    "options of 'main' and your own dhcp_option sections are kept.",
  ]);
  const target = path.join(root, 'etc/config/ddhcpd');
  const unchanged = existsSync(target) && readFileSync(target, 'utf8') === text;
  if (!unchanged) {
    // A half-written config would stop the daemon at its next start: write, then rename.
    const tmp = `${target}.gluon-${process.pid}`;
    try {
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, target);
    } catch (e) {
      return err(`cannot write ${target}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return ok([`${unchanged ? 'unchanged' : 'wrote'} /etc/config/ddhcpd from ${from}`, ...outcome.value.warnings].join('\nddhcpd: '));
}

function batctlJson(mesh: string, table: string): unknown {
  const out = execFileSync('batctl', ['meshif', mesh, table], { encoding: 'utf8', timeout: BATCTL_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as unknown;
}

function gatewayIp(network: Network, mesh: string): Result<string, string> {
  let tables: BatctlTables;
  try {
    tables = {
      gateways: batctlJson(mesh, 'gateways_json'),
      transGlobal: batctlJson(mesh, 'transtable_global_json'),
      datCache: batctlJson(mesh, 'dat_cache_json'),
    };
  } catch (e) {
    return err(`batctl on ${mesh}: ${e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e)}`);
  }
  return gatewayAddress(tables, network);
}

async function followGateway(networkText: string, mesh: string, control: string): Promise<Result<string, string>> {
  const network = parseNetwork(networkText);
  if (!network.ok) return err(`--network: ${network.error}`);
  const ip = gatewayIp(network.value, mesh);
  if (!ip.ok) return ip;
  const payload = parseIpv4(ip.value);
  if (!payload.ok) return payload;
  const bytes = Uint8Array.of(payload.value >>> 24, (payload.value >>> 16) & 255, (payload.value >>> 8) & 255, payload.value & 255);
  for (const code of FOLLOWED_OPTIONS) {
    const reply = await exchangeControl(control, encodeControlRequest({ kind: 'setOption', code, payload: bytes }), CONTROL_TIMEOUT_MS);
    if (!reply.ok) return reply;
    const text = reply.value.toString('latin1');
    if (text.startsWith('ERROR:')) return err(`the daemon refused option ${code}: ${text.slice(6).trim()}`);
  }
  return ok(ip.value);
}

function flagValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  let r: Result<string, string>;
  if (command === 'upgrade') {
    r = upgrade(flagValue(rest, '--root') ?? '/');
  } else if (command === 'follow-gateway') {
    const network = flagValue(rest, '--network');
    if (network === undefined) return usage();
    r = await followGateway(network, flagValue(rest, '--mesh') ?? 'bat0', flagValue(rest, '--control') ?? DEFAULT_CONTROL_PATH);
  } else {
    return usage();
  }
  if (!r.ok) {
    process.stderr.write(`ddhcpd: ${r.error}\n`);
    return 1;
  }
  process.stdout.write(`${r.value}\n`);
  return 0;
}

function usage(): number {
  process.stderr.write(USAGE);
  return 2;
}

runMain('ddhcpd', main);
