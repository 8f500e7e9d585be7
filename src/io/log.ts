// Levelled logging to stderr, one line per message. Levels follow the C daemon
// (0 fatal, 1 error, 2 warning = default, 3 info, >= 4 debug) so `-v` and
// `ddhcpdctl -v LEVEL` mean the same. `once` keeps repeated conditions to one line.

export const LogLevel = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4 } as const;

export interface Logger {
  level: number;
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  /** Logs `msg` at `level` only the first time `key` is seen until `clearOnce(key)`. */
  once(key: string, level: number, msg: string): void;
  clearOnce(key: string): void;
}

const NAMES = ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG'];

export function createLogger(level: number, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const seen = new Set<string>();
  const log = (lvl: number, msg: string): void => {
    if (lvl <= logger.level) write(`${NAMES[Math.min(lvl, 4)]}: ${msg}\n`);
  };
  const logger: Logger = {
    level,
    error: (m) => log(1, m),
    warn: (m) => log(2, m),
    info: (m) => log(3, m),
    debug: (m) => log(4, m),
    once(key, lvl, msg) {
      if (seen.has(key)) return;
      if (seen.size > 1000) seen.clear();
      seen.add(key);
      log(lvl, msg);
    },
    clearOnce: (key) => void seen.delete(key),
  };
  return logger;
}
