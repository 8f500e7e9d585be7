// Runs the `-H` hook as `CMD lease IP MAC` (and release, inform, endlearning,
// like the C daemon) with arguments, never through a shell, so client data can
// never become shell syntax. Hooks run one at a time from a bounded queue, with
// a time limit and their output drained, so a slow or chatty hook cannot stall
// or bloat the daemon.

import { spawn } from 'node:child_process';
import type { Logger } from './log';

const MAX_QUEUED = 256;
const TIME_LIMIT_MS = 10_000;
const MAX_LOGGED_OUTPUT = 512;

export class HookRunner {
  private readonly queue: string[][] = [];
  private running = false;
  private dropped = 0;

  constructor(
    private readonly command: string | undefined,
    private readonly log: Logger,
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
    let output = '';
    const child = spawn(this.command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const collect = (chunk: Buffer): void => {
      if (output.length < MAX_LOGGED_OUTPUT) output += chunk.toString('utf8', 0, MAX_LOGGED_OUTPUT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const killer = setTimeout(() => {
      this.log.warn(`hook ${this.command} ${args.join(' ')} ran longer than ${TIME_LIMIT_MS / 1000} s; killed`);
      child.kill('SIGKILL');
    }, TIME_LIMIT_MS);
    const done = (): void => {
      clearTimeout(killer);
      this.running = false;
      this.log.clearOnce('hook-queue-full');
      this.next();
    };
    child.once('error', (e) => {
      this.log.once(`hook-error-${e.message}`, 1, `hook ${this.command} cannot run: ${e.message}`);
      done();
    });
    child.once('close', (code) => {
      if (code !== 0 && code !== null) {
        this.log.warn(`hook ${this.command} ${args.join(' ')} exited ${code}: ${output.trim().slice(0, MAX_LOGGED_OUTPUT)}`);
      } else if (output.trim() !== '') {
        this.log.debug(`hook ${args[0] ?? ''}: ${output.trim().slice(0, MAX_LOGGED_OUTPUT)}`);
      }
      done();
    });
  }
}
