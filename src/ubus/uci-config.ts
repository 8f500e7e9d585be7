// Reads the `ddhcpd` UCI config through rpcd's `uci` object on ubus (`ubus call
// uci get {"config":"ddhcpd"}`), over a short-lived connection of its own, and
// maps it to daemon settings (uci-schema.ts). Returns text errors; never throws.

import { monotonicNow } from '../io/clock';
import { err, ok, type Result } from '../wire/result';
import { fieldsToJson } from '../wire/ubus/blobmsg';
import { UbusStatus } from '../wire/ubus/message';
import { invoke, lookup } from './operations';
import { connectFirst, DEFAULT_UBUS_SOCKETS } from './socket-driver';
import { parseUciReply, type UciValues } from './uci-values';

export { mapUciConfig, type UciLayout, type UciMapping } from './uci-schema';
export type { UciOptionValue, UciSection, UciValues } from './uci-values';

export const UCI_CONFIG_NAME = 'ddhcpd';

/**
 * `uci get` returns staged but uncommitted changes too (README section 9), as
 * rpcd without a session shares /tmp/.uci with the uci CLI.
 */
export async function readUciConfig(socketPath: string | undefined, timeoutMs: number,
  config: string = UCI_CONFIG_NAME): Promise<Result<UciValues, string>> {
  const now = monotonicNow;
  const deadline = now() + timeoutMs;
  const left = (): number => Math.max(1, deadline - now());
  const paths = socketPath === undefined ? DEFAULT_UBUS_SOCKETS : [socketPath];
  const link = await connectFirst(paths, { now, timeoutMs: left() });
  if (!link.ok) return err(`ubus: ${link.error.message}`);
  try {
    const found = await lookup(link.value.conn, 'uci', now(), left());
    const uci = found.ok ? found.value.find((e) => e.path === 'uci') : undefined;
    if (uci === undefined) {
      const why = found.ok || found.error.status === UbusStatus.notFound ? 'not found' : found.error.message;
      return err(`ubus: rpcd's 'uci' object ${why} (is rpcd running, and are we root?)`);
    }
    const reply = await invoke(link.value.conn, uci.objId, 'get', [{ name: 'config', value: { type: 'string', value: config } }],
      now(), left());
    if (!reply.ok) {
      if (reply.error.status === UbusStatus.notFound) return err(`uci: no config '${config}' (/etc/config/${config} is missing)`);
      return err(`uci get ${config}: ${reply.error.message}`);
    }
    const values = parseUciReply(config, fieldsToJson(reply.value));
    return values.ok ? ok(values.value) : values;
  } finally {
    link.value.close();
  }
}
