// The site's `ddhcpd` section (the older Gluon community package's keys) → the
// node's /etc/config/ddhcpd, from one declarative table. Pure: site JSON and
// the node's current UCI values in, the new file's sections or one line naming
// the site key out. The result is checked with the daemon's own UCI schema, so
// whatever this writes, the daemon accepts.

import { SETTINGS } from '../config/options';
import { parseIpv4, parseNetwork, type Network } from '../config/parse';
import { mapUciConfig } from '../ubus/uci-schema';
import type { UciOptionValue, UciSection, UciValues } from '../ubus/uci-values';
import { formatIpv4 } from '../wire/bytes';
import { err, ok, type Result } from '../wire/result';
import { isTable, lookup, type Json, type JsonTable } from './site-json';

/**
 * Where ddhcpd runs on a Gluon node. DHCP on `local-node`, the veth whose peer
 * `local-port` is a port of br-client and which carries next_node's MAC and
 * IPv4 address (gluon-client-bridge): clients' renewals to the next-node
 * address arrive there, and Gluon's firewall puts it in zone loc_client, where
 * our uci-defaults open port 67. The mesh protocol on `br-client` itself: bat0
 * is a port of that bridge, and a socket bound to a bridge port receives
 * nothing (the bridge takes every frame), so with `-i bat0` nodes never hear
 * each other; test/netns/gluon.test.ts builds that topology. The older Gluon
 * package ran the C daemon on br-client for the mesh too. ARP probes also go out
 * on br-client, with the node's own MAC: Gluon keeps every frame from or to the
 * next-node MAC off bat0 (gluon-mesh-batman-adv's next-node rules), so a probe
 * from local-node would reach this node's clients only, not the mesh's.
 */
export const NEXT_NODE_INTERFACE = 'local-node';
export const CLIENT_BRIDGE = 'br-client';
/** Named sections this step owns in /etc/config/ddhcpd; `gluon` holds what the Gluon glue needs. */
export const GLUON_SECTION = 'gluon';
const SITE_OPTION_PREFIX = 'site_';

interface SiteOption {
  /** Key under `ddhcpd` in site.conf / domains/*.conf. */
  readonly site: string;
  /** Where it goes in /etc/config/ddhcpd: section `main` or `gluon`, and the option. */
  readonly section: 'main' | typeof GLUON_SECTION;
  readonly uci: string;
  /** The older package's default; undefined: the site must set it. */
  readonly fallback: string | undefined;
  /**
   * For switches an operator may flip on the node (`uci set
   * ddhcpd.main.enabled=0`): the option in section `gluon` that remembers what
   * the site said last. A node value that differs from it was set by hand and
   * is kept, as the older package kept the node's enabled.
   */
  readonly marker?: string;
}

/**
 * site.ddhcpd.* → /etc/config/ddhcpd, with the older package's keys and
 * defaults. Ranges are the daemon's own (uci-schema.ts checks the result).
 */
export const SITE_OPTIONS: readonly SiteOption[] = [
  { site: 'enabled', section: 'main', uci: 'enabled', fallback: '1', marker: 'site_enabled' },
  // The daemon's settings that a site may set: their site keys live in the option table.
  ...SETTINGS.flatMap((s): SiteOption[] => (s.site === undefined || s.uci === undefined ? [] : [{
    site: s.site, section: 'main', uci: s.uci,
    // The package's defaults are the older package's; a network the site must name.
    fallback: s.packageDefault === '' ? undefined : s.packageDefault,
  }])),
  // Ours: router and DNS follow batman-adv's gateway (files/usr/lib/ddhcpd/follow-gateway).
  { site: 'follow_gateway', section: GLUON_SECTION, uci: 'follow_gateway', fallback: '0', marker: 'site_follow_gateway' },
];

const FIXED_MAIN: ReadonlyMap<string, string> = new Map([
  ['client_interface', NEXT_NODE_INTERFACE],
  ['server_interface', CLIENT_BRIDGE],
  ['probe_interface', CLIENT_BRIDGE],
]);

/** Ours: router (3) and DNS (6) other than next_node.ip4, or false for none (siteOptions). */
const ADDRESS_OPTIONS = [
  { site: 'router', section: 'router', code: 3, single: true },
  { site: 'dns', section: 'dns', code: 6, single: false },
] as const;

const SITE_OWNED_MAIN = new Set([...SITE_OPTIONS.filter((o) => o.section === 'main').map((o) => o.uci), ...FIXED_MAIN.keys()]);

export interface SiteInput {
  /** site.json with the domain file already merged over it. */
  readonly site: JsonTable;
  /** The domain file's own table, to say where a bad value came from. */
  readonly domain: { readonly code: string; readonly table: JsonTable } | undefined;
  /** /etc/config/ddhcpd as it is now, if it exists. */
  readonly node: UciValues | undefined;
}

export type SiteOutcome =
  | {
      readonly kind: 'write';
      readonly sections: readonly UciSection[];
      /** Keys of the section nobody reads: most likely typos (`blocksize`). */
      readonly warnings: readonly string[];
    }
  | { readonly kind: 'no-section' };

export function configureFromSite(input: SiteInput): Result<SiteOutcome, string> {
  const section = input.site['ddhcpd'];
  if (section === undefined) return ok({ kind: 'no-section' });
  const origin = (...keys: string[]): string =>
    input.domain !== undefined && lookup(input.domain.table, ...keys) !== undefined ? ` (from domains/${input.domain.code}.json)` : '';
  const problem = (keys: string[], text: string): string => `site.${keys.join('.')}: ${text}${origin(...keys)}`;
  if (!isTable(section)) return err(problem(['ddhcpd'], 'expected a table'));

  const prefix4 = siteNetwork(input.site, problem);
  if (!prefix4.ok) return prefix4;
  const main = new Map<string, UciOptionValue>();
  const errors: string[] = [];
  for (const o of SITE_OPTIONS) {
    if (o.marker !== undefined) continue;
    const value = section[o.site];
    if (value === undefined) {
      // The older package fell back to all of prefix4, next_node and the gateways' addresses included.
      if (o.fallback === undefined) errors.push(problem(['ddhcpd', o.site], 'missing; name the part of prefix4 the nodes share out, clear of next_node and the gateways'));
      else main.set(o.uci, o.fallback);
      continue;
    }
    const text = scalarText(value);
    if (text === undefined) errors.push(problem(['ddhcpd', o.site], `expected a number or a string, got ${JSON.stringify(value)}`));
    else main.set(o.uci, text);
  }
  for (const [k, v] of FIXED_MAIN) main.set(k, v);
  if (errors.length > 0) return err(errors.join('; '));
  const range = checkRange(String(main.get('network')), String(main.get('block_size_pow')), prefix4.value, problem);
  if (range !== undefined) return err(range);

  const options = siteOptions(input.site, section, prefix4.value, problem);
  if (!options.ok) return options;
  const gluon = new Map<string, UciOptionValue>([['client_network', formatNetwork(prefix4.value)]]);
  const switches = applyOverridable(section, input.node, main, gluon, problem);
  if (!switches.ok) return switches;

  const kept = keptFromNode(input.node);
  for (const [k, v] of kept.main) if (!main.has(k)) main.set(k, v);
  // `enabled` first, where the shipped file has it and an operator looks for it.
  const ordered = new Map([...main].sort(([a], [b]) => Number(b === 'enabled') - Number(a === 'enabled')));
  const sections: UciSection[] = [
    named('main', 'ddhcpd', ordered),
    ...options.value,
    ...kept.sections,
    named(GLUON_SECTION, GLUON_SECTION, gluon),
  ].map((s, index) => ({ ...s, index }));

  const checked = checkWithDaemonSchema(sections, problem);
  if (checked !== undefined) return err(checked);
  const known = new Set([...SITE_OPTIONS.map((o) => o.site), ...ADDRESS_OPTIONS.map((o) => o.site)]);
  const warnings = Object.keys(section).filter((k) => !known.has(k)).map((k) => problem(['ddhcpd', k], 'unknown key, ignored'));
  return ok({ kind: 'write', sections, warnings });
}

type Problem = (keys: string[], text: string) => string;

function siteNetwork(site: JsonTable, problem: Problem): Result<Network, string> {
  const text = site['prefix4'];
  if (typeof text !== 'string') return err(problem(['prefix4'], 'missing; ddhcpd serves the IPv4 client network'));
  const net = parseNetwork(text);
  return net.ok ? net : err(problem(['prefix4'], net.error));
}

function checkRange(rangeText: string, blockText: string, prefix4: Network, problem: Problem): string | undefined {
  const range = parseNetwork(rangeText);
  if (!range.ok) return problem(['ddhcpd', 'range'], range.error);
  if (!contains(prefix4, range.value.prefix) || range.value.prefixLen < prefix4.prefixLen) {
    return problem(['ddhcpd', 'range'], `${rangeText} is not inside prefix4 ${formatNetwork(prefix4)}`);
  }
  const hostBits = 32 - range.value.prefixLen;
  const block = Number(blockText);
  if (/^\d+$/.test(blockText) && block >= hostBits && block <= 7) {
    return problem(['ddhcpd', 'block_size'], `2^${block} addresses do not fit the range ${rangeText} more than once; use at most ${hostBits - 1}`);
  }
  return undefined;
}

/** Options 1 and 28 from prefix4 (the clients' real network, wider than range), 54, 3 and 6. */
function siteOptions(site: JsonTable, section: JsonTable, prefix4: Network, problem: Problem): Result<UciSection[], string> {
  const mask = prefix4.prefixLen === 0 ? 0 : (0xffffffff << (32 - prefix4.prefixLen)) >>> 0;
  const out: UciSection[] = [
    dhcpOption('subnet_mask', 1, [formatIpv4(mask)]),
    dhcpOption('broadcast', 28, [formatIpv4((prefix4.prefix | ~mask) >>> 0)]),
  ];
  const nextNodeValue = lookup(site, 'next_node', 'ip4');
  let nextNode: string | undefined;
  if (nextNodeValue !== undefined) {
    const ip = typeof nextNodeValue === 'string' ? parseIpv4(nextNodeValue) : err('expected an IPv4 address');
    if (!ip.ok) return err(problem(['next_node', 'ip4'], ip.error));
    if (!contains(prefix4, ip.value)) return err(problem(['next_node', 'ip4'], `${nextNodeValue} is not inside prefix4 ${formatNetwork(prefix4)}`));
    nextNode = formatIpv4(ip.value);
    out.push(dhcpOption('server_id', 54, [nextNode]));
  }
  for (const o of ADDRESS_OPTIONS) {
    const addresses = addressList(section[o.site], nextNode, prefix4, o.single);
    if (!addresses.ok) return err(problem(['ddhcpd', o.site], addresses.error));
    if (addresses.value.length > 0) out.push(dhcpOption(o.section, o.code, addresses.value));
  }
  return ok(out);
}

/** Absent: next_node.ip4; false: none; an address (router) or one or more (dns). */
function addressList(value: Json | undefined, nextNode: string | undefined, prefix4: Network, single: boolean): Result<string[], string> {
  if (value === undefined) return ok(nextNode === undefined ? [] : [nextNode]);
  if (value === false) return ok([]);
  const items = typeof value === 'string' ? [value] : Array.isArray(value) && !single ? value : undefined;
  const expected = single ? 'an IPv4 address, or false' : 'an IPv4 address or a list of them, or false';
  if (items === undefined || items.length === 0 || items.length > 63) return err(`expected ${expected}`);
  const out: string[] = [];
  for (const item of items) {
    const ip = typeof item === 'string' ? parseIpv4(item) : err(`expected ${expected}`);
    if (!ip.ok) return err(ip.error);
    if (single && !contains(prefix4, ip.value)) return err(`${item as string} is not inside prefix4 ${formatNetwork(prefix4)}; clients reach their router on the link`);
    out.push(formatIpv4(ip.value));
  }
  return ok(out);
}

function applyOverridable(section: JsonTable, node: UciValues | undefined, main: Map<string, UciOptionValue>,
  gluon: Map<string, UciOptionValue>, problem: Problem): Result<void, string> {
  const nodeSection = (name: string): UciSection | undefined => node?.sections.find((s) => !s.anonymous && s.name === name);
  const legacy = nodeSection('settings');
  for (const o of SITE_OPTIONS) {
    if (o.marker === undefined) continue;
    const raw = section[o.site];
    const fromSite = booleanOf(raw ?? o.fallback);
    if (fromSite === undefined) return err(problem(['ddhcpd', o.site], `expected true or false, got ${JSON.stringify(raw)}`));
    const siteText = fromSite ? '1' : '0';
    const current = booleanOf(nodeSection(o.section)?.options.get(o.uci) ?? legacy?.options.get(o.uci));
    const lastSite = booleanOf(nodeSection(GLUON_SECTION)?.options.get(o.marker));
    // The older package's file has no marker: its value was the node's own and stays.
    const byHand = current !== undefined && (lastSite !== undefined ? current !== lastSite : legacy !== undefined);
    const value = byHand ? (current ? '1' : '0') : siteText;
    (o.section === 'main' ? main : gluon).set(o.uci, value);
    gluon.set(o.marker, siteText);
  }
  return ok(undefined);
}

/**
 * What the operator added on the node and we keep: options of `main` the site
 * does not set (log_level, hook, ...), and sections other than ours. The older
 * package's file is replaced whole: it only held what that package wrote.
 */
function keptFromNode(node: UciValues | undefined): { main: Map<string, UciOptionValue>; sections: UciSection[] } {
  const main = new Map<string, UciOptionValue>();
  const sections: UciSection[] = [];
  const ours = node?.sections.find((s) => !s.anonymous && s.name === 'main' && s.type === 'ddhcpd');
  if (node === undefined || ours === undefined) return { main, sections };
  for (const [k, v] of ours.options) if (!SITE_OWNED_MAIN.has(k)) main.set(k, v);
  for (const s of node.sections) {
    if (s === ours || (!s.anonymous && (s.name === GLUON_SECTION || s.name.startsWith(SITE_OPTION_PREFIX)))) continue;
    sections.push(s);
  }
  return { main, sections };
}

function checkWithDaemonSchema(sections: readonly UciSection[], problem: Problem): string | undefined {
  const mapped = mapUciConfig({ config: 'ddhcpd', sections });
  if (mapped.ok) return undefined;
  const ours = mapped.error.flatMap((e) => {
    const o = SITE_OPTIONS.find((s) => e.startsWith(`ddhcpd.main.${s.uci}: `));
    return o === undefined ? [] : [problem(['ddhcpd', o.site], e.slice(`ddhcpd.main.${o.uci}: `.length))];
  });
  // Mistakes in what the operator kept are the daemon's to report, not the site's.
  return ours.length > 0 ? ours.join('; ') : undefined;
}

function scalarText(value: Json): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : undefined;
  return typeof value === 'string' ? value : undefined;
}

function booleanOf(value: Json | UciOptionValue | undefined): boolean | undefined {
  if (value === true || value === 1 || value === '1' || value === 'true' || value === 'on' || value === 'yes') return true;
  if (value === false || value === 0 || value === '0' || value === 'false' || value === 'off' || value === 'no') return false;
  return undefined;
}

function contains(net: Network, ip: number): boolean {
  const mask = net.prefixLen === 0 ? 0 : (0xffffffff << (32 - net.prefixLen)) >>> 0;
  return (ip & mask) >>> 0 === net.prefix;
}

function formatNetwork(net: Network): string {
  return `${formatIpv4(net.prefix)}/${net.prefixLen}`;
}

function named(name: string, type: string, options: ReadonlyMap<string, UciOptionValue>): UciSection {
  return { name, type, anonymous: false, index: 0, options };
}

function dhcpOption(name: string, code: number, addresses: readonly string[]): UciSection {
  return named(`${SITE_OPTION_PREFIX}${name}`, 'dhcp_option', new Map([
    ['code', String(code)],
    ['len', String(addresses.length * 4)],
    ['payload', addresses.join('.')],
  ]));
}
