// One validated configuration from the command line and, with --uci, the UCI
// values rpcd returns: flags win over UCI, UCI over the defaults. The reader is
// handed in, so the merge is tested without ubusd.

import { checkConfig, DEFAULTS, type DaemonConfig } from '../config/config';
import { mapUciConfig } from '../ubus/uci-config';
import type { UciValues } from '../ubus/uci-values';
import type { Result } from '../wire/result';
import type { Settings } from './args';

/**
 * UCI values under explicit flags, over the defaults; or one line saying what is
 * wrong. Notes (layout used, ignored options) go to `notes` for the logger.
 */
export async function resolveConfig(
  cli: Settings,
  notes: string[],
  readUci: () => Promise<Result<UciValues, string>>,
): Promise<DaemonConfig | string> {
  let fromUci: Settings = {};
  if (cli.uci === true) {
    const values = await readUci();
    if (!values.ok) return `cannot read UCI config through ubus: ${values.error}`;
    const mapped = mapUciConfig(values.value);
    if (!mapped.ok) return mapped.error.join('; ');
    if (!mapped.value.enabled) return 'disabled in UCI (ddhcpd.main.enabled=0); set it to 1 to run';
    fromUci = mapped.value.settings;
    // UCI drops an option set to '' (uci set ddhcpd.main.network=''). The C default
    // 10.0.0.0/24 is no network a mesh agreed on, so a node must not serve it unasked.
    if (fromUci.network === undefined && cli.network === undefined) {
      const key = mapped.value.layout === 'ddhcpd' ? 'ddhcpd.main.network' : 'ddhcpd.settings.block_network';
      return `${key}: not set; set the mesh's network, e.g. uci set ${key}=10.116.224.0/20`;
    }
    notes.push(`configuration read from UCI (${mapped.value.layout} layout)`, ...mapped.value.warnings);
  }
  const cfg: DaemonConfig = { ...DEFAULTS, ...fromUci, ...cli };
  const problems = checkConfig(cfg);
  return problems.length > 0 ? problems.join('; ') : cfg;
}
