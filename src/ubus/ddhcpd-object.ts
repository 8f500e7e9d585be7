// The `ddhcpd` ubus object: one table of methods with their argument types (the
// signature `ubus -v list ddhcpd` shows) and handlers that read and change the
// daemon only through DaemonApi. Bad arguments answer INVALID_ARGUMENT with an
// {"error"} text and change nothing; unknown methods answer METHOD_NOT_FOUND.

import { parseOptionPayload } from '../config/parse';
import { formatIpv4 } from '../wire/bytes';
import type { DaemonApi } from '../driver/daemon-api';
import type { Logger } from '../io/log';
import { buildBlockTable } from '../ctl/block-table';
import { buildOptionStoreListing } from '../ctl/option-store';
import { buildStatistics } from '../ctl/statistics';
import { jsonToBlobmsg, jsonToFields, type BlobmsgField, type BlobmsgValue, type JsonValue } from '../wire/ubus/blobmsg';
import { UbusStatus } from '../wire/ubus/message';
import type { UbusHandler, UbusInvocation, UbusResponse } from './connection';

export const DDHCPD_OBJECT_PATH = 'ddhcpd';

type ArgType = 'int32' | 'string' | 'bool';
type Args = ReadonlyMap<string, BlobmsgValue>;
type Json = { [key: string]: JsonValue };

interface Method {
  readonly args: Readonly<Record<string, ArgType>>;
  /** Answers with JSON, or a text for INVALID_ARGUMENT. */
  readonly run: (args: Args) => Json | string | Promise<Json | string>;
}

export interface UbusObjectDef {
  readonly path: string;
  readonly signature: readonly BlobmsgField[];
  readonly handle: UbusHandler;
}

const SIGNATURE_TYPE: Readonly<Record<ArgType, number>> = { int32: 5, string: 3, bool: 7 };
const MAX_LOG_LEVEL = 7;

export function createDdhcpdObject(api: DaemonApi, log: Logger): UbusObjectDef {
  const seconds = (at: number | undefined): number | undefined =>
    at === undefined ? undefined : Math.max(0, Math.ceil((at - api.now()) / 1000));

  const methods: Readonly<Record<string, Method>> = {
    status: { args: {}, run: () => status(api, seconds) },
    blocks: {
      args: {},
      run: () => ({
        blocks: buildBlockTable(api.view(), api.now()).blocks.map((b) => ({
          index: b.index, state: b.state, owner: b.owner, claim_count: b.claimCount,
          offered: b.leases?.offered ?? 0, leased: b.leases?.leased ?? 0, timeout: b.timeoutSec,
        })),
      }),
    },
    leases: {
      args: {},
      run: () => ({
        leases: [...api.view().leases()].sort((a, b) => a.ip - b.ip).map((l) => ({
          address: formatIpv4(l.ip), mac: l.mac, state: l.state, valid: seconds(l.expiresAt) ?? 0, block: l.blockIndex,
        })),
      }),
    },
    options: {
      args: {},
      run: () => {
        const s = buildOptionStoreListing(api.view());
        return {
          lease_time: s.leaseTimeSec,
          dhcp_disabled: s.dhcpDisabled,
          options: s.options.map((o) => ({ code: o.code, len: o.len, payload: o.payload.join('.') })),
        };
      },
    },
    set_option: {
      args: { code: 'int32', payload: 'string', len: 'int32' },
      run: (a) => {
        const code = intArg(a, 'code', 1, 254, true);
        const len = intArg(a, 'len', 0, 255, false);
        const payload = a.get('payload');
        if (typeof code === 'string') return code;
        if (typeof len === 'string') return len;
        if (payload?.type !== 'string') return 'payload: required, a string of dotted decimal bytes, e.g. "10.116.254.254"';
        const option = parseOptionPayload(code!, len, payload.value);
        if (!option.ok) return option.error;
        api.setOption(option.value);
        log.info(`ubus: option ${code} set (${option.value.payload.length} bytes)`);
        return {};
      },
    },
    remove_option: {
      args: { code: 'int32' },
      run: (a) => {
        const code = intArg(a, 'code', 1, 254, true);
        if (typeof code === 'string') return code;
        api.removeOption(code!);
        log.info(`ubus: option ${code} removed`);
        return {};
      },
    },
    set_log_level: {
      args: { level: 'int32' },
      run: (a) => {
        const level = intArg(a, 'level', 0, MAX_LOG_LEVEL, true);
        if (typeof level === 'string') return level;
        api.setLogLevel(level!);
        return { level: api.logLevel() };
      },
    },
    statistics: {
      args: { reset: 'bool' },
      run: (a) => {
        const reset = boolArg(a, 'reset');
        if (typeof reset === 'string') return reset;
        const out: Json = {};
        for (const [name, value] of buildStatistics(api.stats, api.view())) out[name] = value;
        if (reset === true) api.stats.reset();
        return out;
      },
    },
    reload: {
      args: {},
      run: async () => {
        const problem = await api.reload();
        return problem ?? {};
      },
    },
  };

  const signature: BlobmsgField[] = Object.entries(methods).map(([name, m]) => ({
    name,
    value: {
      type: 'table',
      items: Object.entries(m.args).map(([arg, t]) => ({ name: arg, value: { type: 'int32', value: SIGNATURE_TYPE[t] } })),
    },
  }));

  const handle = async (inv: UbusInvocation): Promise<UbusResponse> => {
    const method = Object.hasOwn(methods, inv.method) ? methods[inv.method] : undefined;
    if (method === undefined) return { status: UbusStatus.methodNotFound };
    if (inv.args === undefined) return invalid('the call carried no argument table');
    const result = await method.run(new Map(inv.args.map((f) => [f.name, f.value])));
    if (typeof result === 'string') {
      log.debug(`ubus: ${inv.method} refused: ${result}`);
      return invalid(result);
    }
    return { status: UbusStatus.ok, data: jsonToFields(result) };
  };

  return { path: DDHCPD_OBJECT_PATH, signature, handle };
}

function invalid(message: string): UbusResponse {
  return { status: UbusStatus.invalidArgument, data: [{ name: 'error', value: jsonToBlobmsg(message) }] };
}

function status(api: DaemonApi, seconds: (at: number | undefined) => number | undefined): Json {
  const view = api.view();
  const cfg = view.config;
  const c = view.counts();
  const blockCount = 2 ** (32 - cfg.prefixLen - cfg.blockSizePow);
  const busy = c.blocksOurs + c.blocksClaimed + c.blocksTentative + c.blocksClaiming;
  const serverId = view.serverIdentifier();
  const out: Json = {
    node_id: cfg.nodeId,
    network: `${formatIpv4(cfg.prefix)}/${cfg.prefixLen}`,
    block_size: 2 ** cfg.blockSizePow,
    block_count: blockCount,
    block_timeout: cfg.blockTimeoutSec,
    tentative_timeout: cfg.tentativeTimeoutSec,
    needless_timeout: cfg.needlessTimeoutSec,
    spare_leases: cfg.spareLeases,
    max_leases: cfg.maxLeases,
    dhcp_enabled: cfg.dhcpEnabled,
    learning: view.learningUntil !== undefined,
    blocks: { ours: c.blocksOurs, claimed: c.blocksClaimed, tentative: c.blocksTentative, claiming: c.blocksClaiming, free: Math.max(0, blockCount - busy) },
    leases: { free: c.leasesFree, offered: c.leasesOffered, leased: c.leasesLeased },
    uptime: Math.max(0, Math.floor((api.now() - api.startedAt) / 1000)),
    log_level: api.logLevel(),
    interfaces: api.interfaces().map((i) => {
      const o: Json = { role: i.role, name: i.name, up: i.up };
      if (i.ifindex !== undefined) o['ifindex'] = i.ifindex;
      if (i.address !== undefined) o['address'] = i.address;
      return o;
    }),
  };
  const learningLeft = seconds(view.learningUntil);
  if (learningLeft !== undefined) out['learning_remaining'] = learningLeft;
  if (serverId !== undefined) out['server_identifier'] = formatIpv4(serverId);
  return out;
}

/** Any blobmsg integer width is taken (callers other than the CLI send INT8/INT16/INT64 too), if in range. */
function intArg(a: Args, name: string, min: number, max: number, required: boolean): number | undefined | string {
  const v = a.get(name);
  if (v === undefined) return required ? `${name}: required, an integer from ${min} to ${max}` : undefined;
  const n = v.type === 'int32' || v.type === 'int16' || v.type === 'int8' ? v.value : v.type === 'int64' ? Number(v.value) : undefined;
  if (n === undefined || n < min || n > max) return `${name}: must be an integer from ${min} to ${max}`;
  return n;
}

function boolArg(a: Args, name: string): boolean | undefined | string {
  const v = a.get(name);
  if (v === undefined) return undefined;
  if ((v.type === 'int8' || v.type === 'int32') && (v.value === 0 || v.value === 1)) return v.value === 1;
  return `${name}: must be true or false`;
}
