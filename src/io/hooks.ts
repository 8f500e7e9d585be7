// Runs the `-H` hook as the C daemon does (hook.c): `/bin/sh -e -- CMD lease IP
// MAC` (and release, inform, endlearning). CMD is a script file sh reads and the
// rest are its positional arguments, so neither client data nor the path is ever
// parsed as shell syntax. Hooks run one at a time from a bounded queue, in their
// own process group, killed with everything they started after a time limit;
// their output is read only up to a cap, so a hanging or chatty hook cannot stall
// the daemon, its hook queue or its CPU.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from './log';

const MAX_QUEUED = 256;
const DEFAULT_TIME_LIMIT_MS = 10_000;
const MAX_LOGGED_OUTPUT = 512;
/** Past this much output the pipes are no longer read: the hook blocks until the time limit. */
const MAX_READ_OUTPUT = 64 * 1024;
const SHELL = '/bin/sh';

export class HookRunner {
  private readonly queue: string[][] = [];
  private running = false;
  private dropped = 0;

  constructor(
    private readonly command: string | undefined,
    private readonly log: Logger,
    private readonly timeLimitMs = DEFAULT_TIME_LIMIT_MS,
  ) {}

  run(args: readonly string[]): void {
    if (this.command === undefined) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.dropped++;
      this.log.once('hook-queue-full', 1, `hook queue is full (${MAX_QUEUED}); dropping hook calls until it drains`);
      return;
    }
    this.queue.push([...args]);
    this.next();
  }

  droppedCount(): number {
    return this.dropped;
  }

  private next(): void {
    if (this.running || this.command === undefined) return;
    const args = this.queue.shift();
    if (args === undefined) return;
    this.running = true;
    const command = this.command;
    let output = '';
    let read = 0;
    // detached: its own process group, so the time limit reaches what the script started too.
    const child = spawn(SHELL, ['-e', '--', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], shell: false, detached: true });
    const collect = (chunk: Buffer): void => {
      if (output.length < MAX_LOGGED_OUTPUT) output += chunk.toString('utf8', 0, MAX_LOGGED_OUTPUT - output.length);
      read += chunk.length;
      if (read > MAX_READ_OUTPUT) {
        child.stdout?.pause();
        child.stderr?.pause();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let finished = false;
    const killer = setTimeout(() => {
      this.log.warn(`hook ${command} ${args.join(' ')} ran longer than ${this.timeLimitMs / 1000} s; killed`);
      killGroup(child);
    }, this.timeLimitMs);
    const done = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(killer);
      // Whatever the script left behind holds our pipes open: do not wait for it.
      child.stdout?.destroy();
      child.stderr?.destroy();
      this.running = false;
      this.log.clearOnce('hook-queue-full');
      this.next();
    };
    child.once('error', (e) => {
      this.log.once(`hook-error-${e.message}`, 1, `hook ${command} cannot run: ${e.message}`);
      done();
    });
    // 'exit', not 'close': a background process of the hook may keep the pipes open for long.
    child.once('exit', (code, signal) => {
      // Let output already in the pipes arrive before it is logged.
      setImmediate(() => {
        if (code !== 0 && code !== null) {
          this.log.warn(`hook ${command} ${args.join(' ')} exited ${code}: ${output.trim().slice(0, MAX_LOGGED_OUTPUT)}`);
        } else if (signal === null && output.trim() !== '') {
          this.log.debug(`hook ${args[0] ?? ''}: ${output.trim().slice(0, MAX_LOGGED_OUTPUT)}`);
        }
        done();
      });
    });
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}
