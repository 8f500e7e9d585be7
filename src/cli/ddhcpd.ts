// ddhcpd entry point: command line (and UCI through ubus with --uci) to one
// validated configuration, then the daemon, its control socket and its ubus
// object. Configuration mistakes exit 1 with one line; signals shut down cleanly.

import type { DaemonConfig } from '../config/config';
import { Daemon } from '../driver/daemon';
import { startControlServer } from '../ctl/server';
import { createLogger } from '../io/log';
import { readUciConfig } from '../ubus/uci-config';
import { startUbusService, type UbusService } from '../ubus/ubus-service';
import { parseArgs } from './args';
import { resolveConfig } from './resolve-config';

const UCI_TIMEOUT_MS = 5000;

function fail(message: string): never {
  process.stderr.write(`ddhcpd: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (!parsed.ok) fail(parsed.error);
  if (parsed.value.kind === 'exit') {
    process.stdout.write(parsed.value.output);
    process.exit(parsed.value.code);
  }
  const cli = parsed.value.settings;
  const readUci = () => readUciConfig(cli.ubusSocket, UCI_TIMEOUT_MS);
  const notes: string[] = [];
  const first = await resolveConfig(cli, notes, readUci);
  if (typeof first === 'string') fail(first);
  const log = createLogger(first.logLevel);
  for (const n of notes) log.info(n);
  const reread = async (): Promise<DaemonConfig | string> => {
    const later: string[] = [];
    const cfg = await resolveConfig(cli, later, readUci);
    for (const n of later) log.info(n);
    return cfg;
  };

  let ubus: UbusService | undefined;
  const daemon = new Daemon(first, log, {
    ubusEvent: (id, data) => ubus?.sendEvent(id, data),
    ...(first.uci ? { rereadConfig: reread } : {}),
  });

  let control: { close(): Promise<void> } | undefined;
  try {
    control = await startControlServer({ path: first.controlPath, api: daemon, log });
  } catch (e) {
    fail(`cannot open control socket ${first.controlPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  daemon.start();
  ubus = startUbusService({ socketPath: first.ubusSocket, api: daemon, log, onConfigChange: () => void daemon.reload() });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    daemon.stop();
    ubus?.stop();
    void (control?.close() ?? Promise.resolve()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => void daemon.reload());
  process.on('uncaughtException', (e) => {
    log.error(`internal error, exiting so procd restarts us: ${e.stack ?? e.message}`);
    try {
      daemon.stop();
    } finally {
      process.exit(70);
    }
  });
}

void main();
