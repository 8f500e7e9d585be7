// The daemon's presence on ubus: keeps one connection to ubusd (reconnecting
// with backoff), publishes the `ddhcpd` object on each new connection, sends
// lease events, and follows procd's `service` object for config.change of
// ddhcpd. ubus is optional: without ubusd the daemon runs on and says so once.

import type { DaemonApi } from '../driver/daemon-api';
import { LogLevel, type Logger } from '../io/log';
import { fieldsToJson, jsonToFields } from '../wire/ubus/blobmsg';
import { UbusStatus } from '../wire/ubus/message';
import type { UbusConnection, UbusInvocation, UbusResponse } from './connection';
import { createDdhcpdObject } from './ddhcpd-object';
import * as ops from './operations';
import { connectFirst, DEFAULT_UBUS_SOCKETS, type UbusLink } from './socket-driver';
import { UCI_CONFIG_NAME } from './uci-config';

export interface UbusService {
  /** Fire and forget; dropped (debug log) while not connected. */
  sendEvent(id: string, data: Record<string, string | number | boolean>): void;
  stop(): void;
  /** Connected to ubusd with the `ddhcpd` object published. */
  readonly connected: boolean;
}

export interface UbusServiceOptions {
  readonly socketPath: string | undefined;
  readonly api: DaemonApi;
  readonly log: Logger;
  readonly onConfigChange: () => void;
}

export interface UbusServiceTuning {
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** For the socket plus HELLO, and for each request. */
  readonly timeoutMs: number;
}

const TUNING: UbusServiceTuning = { backoffMinMs: 1000, backoffMaxMs: 30_000, timeoutMs: 5000 };
const OK: UbusResponse = { status: UbusStatus.ok };

/** Never throws; connects in the background. */
export function startUbusService(opts: UbusServiceOptions, tuning: UbusServiceTuning = TUNING): UbusService {
  const { api, log } = opts;
  const paths = opts.socketPath === undefined ? DEFAULT_UBUS_SOCKETS : [opts.socketPath];
  const object = createDdhcpdObject(api, log);
  let stopped = false;
  let connected = false;
  let link: UbusLink | undefined;
  let wake: (() => void) | undefined;
  let waitTimer: NodeJS.Timeout | undefined;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      waitTimer = setTimeout(resolve, ms);
    });

  /** Subscribes `sid` to procd's `service` object; absent outside OpenWrt, and while procd restarts. */
  const followService = async (conn: UbusConnection, sid: number): Promise<void> => {
    const found = await ops.lookup(conn, 'service', api.now(), tuning.timeoutMs);
    const service = found.ok ? found.value.find((e) => e.path === 'service') : undefined;
    if (service === undefined) {
      log.debug("ubus: procd's 'service' object is not there; config changes arrive only through `ubus call ddhcpd reload`");
      return;
    }
    const r = await ops.subscribe(conn, sid, service.objId, api.now(), tuning.timeoutMs);
    if (r.ok) log.debug("ubus: following procd's config.change notifications");
    else log.warn(`ubus: cannot follow procd's config changes: ${r.error.message}`);
  };

  const register = async (conn: UbusConnection): Promise<string | undefined> => {
    const added = await ops.addObject(conn, object.path, object.signature, object.handle, api.now(), tuning.timeoutMs);
    if (!added.ok) return added.error.message;
    let sid = 0;
    const onNotice = (inv: UbusInvocation): UbusResponse => {
      const data = inv.args === undefined ? {} : fieldsToJson(inv.args);
      if (inv.caller === 0 && inv.method === 'ubus.object.add' && data['path'] === 'service') {
        void followService(conn, sid);
      } else if (inv.caller !== 0 && inv.method === 'config.change' && data['config'] === UCI_CONFIG_NAME) {
        log.info('ubus: procd reports a change of the ddhcpd config; reloading');
        opts.onConfigChange();
      }
      return OK;
    };
    const handle = await ops.addObject(conn, undefined, undefined, onNotice, api.now(), tuning.timeoutMs);
    if (!handle.ok) return handle.error.message;
    sid = handle.value.objId;
    // Hear about `service` coming (back) when procd starts after us or restarts.
    const listening = await ops.registerEvent(conn, sid, 'ubus.object.add', api.now(), tuning.timeoutMs);
    if (!listening.ok) log.debug(`ubus: ${listening.error.message}`);
    await followService(conn, sid);
    return undefined;
  };

  const run = async (): Promise<void> => {
    let delay = tuning.backoffMinMs;
    let everConnected = false;
    while (!stopped) {
      const r = await connectFirst(paths, {
        now: () => api.now(),
        timeoutMs: tuning.timeoutMs,
        onDecodeError: (e) => log.debug(`ubus: skipped a message that does not decode: ${JSON.stringify(e)}`),
        events: {
          onHandlerError: (method, e) => log.error(`ubus: ${method}: ${e instanceof Error ? e.message : String(e)}`),
          onUnsubscribed: () => log.debug("ubus: procd's 'service' object went away"),
        },
      });
      if (stopped) {
        if (r.ok) r.value.close();
        return;
      }
      if (r.ok) {
        link = r.value;
        const problem = await register(r.value.conn);
        if (problem === undefined && !stopped) {
          connected = true;
          everConnected = true;
          delay = tuning.backoffMinMs;
          log.clearOnce('ubus-absent');
          log.info(`ubus: connected to ${r.value.path}, object '${object.path}' published`);
        } else if (problem !== undefined) {
          log.once('ubus-register', LogLevel.warn, `ubus: ${problem}; retrying`);
          r.value.close();
        }
        const reason = await r.value.closed;
        if (connected && !stopped) log.warn(`ubus: connection lost (${reason}); reconnecting`);
        connected = false;
        link = undefined;
      } else if (!everConnected) {
        log.once('ubus-absent', LogLevel.info, `ubus not in use (${r.error.message}); the daemon runs without it and connects when ubusd appears`);
      } else {
        log.debug(`ubus: reconnect failed: ${r.error.message}`);
      }
      if (stopped) return;
      await sleep(delay);
      delay = Math.min(delay * 2, tuning.backoffMaxMs);
    }
  };

  void run().catch((e: unknown) => log.error(`ubus: internal error, ubus disabled: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));

  return {
    get connected() {
      return connected;
    },
    sendEvent(id, data) {
      const current = link;
      if (current === undefined || !connected) {
        log.debug(`ubus: event ${id} dropped, not connected`);
        return;
      }
      void ops.sendEvent(current.conn, id, jsonToFields(data), api.now(), tuning.timeoutMs).then((r) => {
        if (!r.ok) log.debug(`ubus: ${r.error.message}`);
      });
    },
    stop() {
      stopped = true;
      connected = false;
      if (waitTimer !== undefined) clearTimeout(waitTimer);
      wake?.();
      link?.close();
    },
  };
}
