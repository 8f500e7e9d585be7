// Wiring: builds the core, opens the IO around it and runs the driver loop:
// receive -> decode -> core.handle(input, now) -> perform(effects) -> re-arm the
// one timer from core.nextDeadline(). Sockets follow the interfaces as netlink
// reports them; the core keeps its blocks and leases while they are away.

import type { Core, CoreView, Input, Millis, OptionEntry } from '../core/types';
import { createCore } from '../core/node';
import { toCoreConfig, type DaemonConfig } from '../config/config';
import { changedSettings } from '../config/options';
import type { DaemonApi, InterfaceStatus } from './daemon-api';
import { createCryptoRng, monotonicNow, wallNow } from '../io/clock';
import { openDhcpSocket, type DhcpSocket } from '../io/dhcp-socket';
import { HookRunner } from '../io/hooks';
import { InterfaceSocket } from '../io/interface-socket';
import type { Logger } from '../io/log';
import { openMeshSockets, type MeshChannel, type MeshSockets } from '../io/mesh-sockets';
import { watchInterfaces, type InterfaceState, type InterfaceWatcher } from '../io/netlink';
import { MeshBacklog } from './mesh-backlog';
import { countDdhcpSend, performEffects, type Sink } from './perform';
import { ensureStateDir, loadOrCreateNodeId, loadState, StateWriter } from '../persist/state-store';
import { ddhcpCounter, dhcpCounter, Statistics } from './stats';
import { DeadlineTimer } from '../io/timer';
import { decodeDdhcp } from '../wire/ddhcp';
import { decodeDhcp } from '../wire/dhcp';
import { getMessageType } from '../wire/dhcp-options';

/** The command byte of a DDHCP header (test/vectors/ddhcp-vectors/README.md, "Wire format"). */
const DDHCP_COMMAND_OFFSET = 14;

export interface DaemonHooks {
  /** Re-reads configuration for `reload`; resolves to the new config or an error text. */
  rereadConfig?: () => Promise<DaemonConfig | string>;
  /** Called with every ubus-worthy event (set once ubus is up). */
  ubusEvent?: (id: string, data: Record<string, string>) => void;
}

export class Daemon implements DaemonApi {
  readonly stats = new Statistics();
  readonly startedAt: Millis = monotonicNow();
  private core: Core;
  private readonly timer: DeadlineTimer;
  private readonly hooks: HookRunner;
  private readonly stateWriter: StateWriter;
  /** At most one refresh interval old: a later announcement supersedes what it holds. */
  private readonly backlog: MeshBacklog;
  private watcher: InterfaceWatcher | undefined;
  private readonly dhcpSocket: InterfaceSocket<DhcpSocket>;
  private readonly meshSockets: InterfaceSocket<MeshSockets>;
  private meshReady = false;
  private readonly ifStates = new Map<string, InterfaceState>();
  private stopped = false;
  /** When the state file was last marked for writing (foreignClaimsStale). */
  private markedDirtyAt = -Infinity;
  readonly nodeId: string;

  constructor(
    private cfg: DaemonConfig,
    private readonly log: Logger,
    private readonly extra: DaemonHooks = {},
  ) {
    const dirProblem = ensureStateDir(cfg.stateDir);
    if (dirProblem !== undefined) log.warn(`state directory ${cfg.stateDir}: ${dirProblem}; state will not survive a restart`);
    this.nodeId = loadOrCreateNodeId(cfg.stateDir, log);
    const restored = loadState(cfg.stateDir, wallNow(), log);
    this.core = this.buildCore(restored);
    this.timer = new DeadlineTimer(monotonicNow, () => this.feed({ kind: 'timer' }));
    this.hooks = new HookRunner(cfg.hook, log);
    this.backlog = new MeshBacklog((cfg.blockTimeoutSec * 1000) / 4);
    // The compact form has no object or string per lease: a write leaves no garbage behind.
    this.stateWriter = new StateWriter(cfg.stateDir, () => this.core.snapshotCompact(monotonicNow()), wallNow, log);
    this.dhcpSocket = new InterfaceSocket({
      key: 'dhcp',
      noun: 'DHCP socket',
      openedLine: (name) => `serving DHCP on ${name}`,
      open: (name) => openDhcpSocket(name, (b) => this.onDhcpPacket(b), (e) => log.once(`dhcp-err-${e.message}`, 1, `DHCP socket: ${e.message}`), undefined,
        cfg.probeMs > 0 ? { ifname: cfg.probeInterface ?? name, onAnswer: (ip, mac) => this.feed({ kind: 'probeReply', ip, mac }) } : undefined),
      latest: (name) => this.ifStates.get(name),
      onState: (state) => this.feed({ kind: 'link', clientAddress: clientAddressOf(state) }),
      log,
    });
    this.meshSockets = new InterfaceSocket({
      key: 'mesh',
      noun: 'mesh sockets',
      openedLine: (name) => `mesh sockets open on ${name}`,
      open: (name) => openMeshSockets(name, (c, b, from) => this.onMeshPacket(c, b, from), (e) => log.once(`mesh-err-${e.message}`, 1, `mesh socket: ${e.message}`)),
      latest: (name) => this.ifStates.get(name),
      onState: (state, usable) => this.onServerState(state, usable),
      onOpened: () => this.flushBacklog(),
      log,
    });
  }

  private buildCore(restored: ReturnType<typeof loadState>): Core {
    const coreCfg = toCoreConfig(this.cfg, this.nodeId);
    if (restored !== undefined) {
      const sameMesh = restored.nodeId === this.nodeId && restored.prefix === coreCfg.prefix &&
        restored.prefixLen === coreCfg.prefixLen && restored.blockSize === 1 << coreCfg.blockSizePow;
      if (!sameMesh) {
        this.log.warn('state file belongs to another network, block size or node id; starting fresh');
        restored = undefined;
      } else {
        const live = restored.blocks.filter((b) => b.remainingMs > 0).length;
        const ranOut = restored.blocks.length - live;
        const again = ranOut === 0 ? '' : `; ${ranOut} block(s) whose claims ran out while down may be inquired again`;
        this.log.info(`restored ${live} blocks and ${restored.leases.length} leases from the state file${again}`);
      }
    }
    return createCore(coreCfg, createCryptoRng(), monotonicNow(), restored);
  }

  start(): void {
    this.log.info(`node id ${this.nodeId}; client interface ${this.cfg.dhcpEnabled ? this.cfg.clientInterface : '(none, -S)'}; server interface ${this.cfg.serverInterface}`);
    const names = this.cfg.dhcpEnabled ? [this.cfg.clientInterface, this.cfg.serverInterface] : [this.cfg.serverInterface];
    this.watcher = watchInterfaces(names, (s) => this.onInterface(s), (e) => this.log.error(`netlink: ${e.message}`));
    this.feed({ kind: 'timer' });
  }

  // ---- the driver loop -------------------------------------------------

  private feed(input: Input): void {
    if (this.stopped) return;
    const effects = this.core.handle(input, monotonicNow());
    performEffects(effects, this.sink, this.stats, this.log, this.nodeId);
    this.timer.arm(this.core.nextDeadline());
    const now = monotonicNow();
    if (effects.length > 0 || input.kind === 'command' || (input.kind === 'ddhcp' && this.foreignClaimsStale(now))) {
      this.markedDirtyAt = now;
      this.stateWriter.markDirty();
    }
  }

  /**
   * The state file keeps the claims of other nodes we know, but a claim heard changes
   * nothing else and has no effects: writing for each would write once a second in any
   * busy mesh. They ride along with the writes our own effects cause (a node with blocks
   * announces every B/4); a node quiet for B/4 writes for the claims it heard meanwhile.
   */
  private foreignClaimsStale(now: Millis): boolean {
    return now - this.markedDirtyAt >= (this.cfg.blockTimeoutSec * 1000) / 4;
  }

  private readonly sink: Sink = {
    multicast: (bytes) => {
      const mesh = this.meshSockets.current;
      if (mesh === undefined || !this.meshReady) {
        if (this.backlog.hold(bytes, monotonicNow()) > 0) this.stats.addDrop('mcast', 'serverInterfaceNotReady');
        return 'deferred';
      }
      mesh.multicast(bytes);
      return true;
    },
    unicast: (to, bytes) => {
      const mesh = this.meshSockets.current;
      if (mesh === undefined || !this.meshReady) return false;
      mesh.unicast(to, bytes);
      return true;
    },
    dhcp: (effect, bytes) => {
      const socket = this.dhcpSocket.current;
      if (socket === undefined) return false;
      return socket.send(bytes, effect.to) || 'failed';
    },
    probe: (ip) => this.dhcpSocket.current?.probe(ip) ?? false,
    hook: (args) => this.hooks.run(args),
    ubusEvent: (id, data) => this.extra.ubusEvent?.(id, data),
  };

  /** Sends what the core multicast while the mesh was not ready, if it is now. */
  private flushBacklog(): void {
    const mesh = this.meshSockets.current;
    if (mesh === undefined || !this.meshReady || this.backlog.size === 0) return;
    const { fresh, stale } = this.backlog.take(monotonicNow());
    for (let i = 0; i < stale; i++) this.stats.addDrop('mcast', 'serverInterfaceNotReady');
    for (const bytes of fresh) {
      mesh.multicast(bytes);
      countDdhcpSend(this.stats, 'mcast', bytes[DDHCP_COMMAND_OFFSET] ?? 0, bytes.length);
    }
    if (fresh.length > 0) this.log.info(`sent ${fresh.length} multicast packet(s) held until the mesh sockets were ready`);
  }

  private onMeshPacket(channel: MeshChannel, bytes: Buffer, from: string): void {
    this.stats.add(`${channel}.recv_pkg`);
    this.stats.add(`${channel}.recv_byte`, bytes.length);
    const decoded = decodeDdhcp(bytes);
    if (!decoded.ok) {
      this.stats.addDrop(channel, decoded.error.kind);
      this.log.once(`bad-ddhcp-${decoded.error.kind}`, 4, `dropping malformed DDHCP packet from ${from}: ${decoded.error.kind}`);
      return;
    }
    const counter = ddhcpCounter('recv', decoded.value.command);
    if (counter !== undefined) this.stats.add(counter);
    this.feed({ kind: 'ddhcp', from, msg: decoded.value });
  }

  private onDhcpPacket(bytes: Uint8Array): void {
    this.stats.add('dhcp.recv_pkg');
    this.stats.add('dhcp.recv_byte', bytes.length);
    const decoded = decodeDhcp(bytes);
    if (!decoded.ok) {
      this.stats.addDrop('dhcp', decoded.error.kind);
      return;
    }
    const counter = dhcpCounter('recv', getMessageType(decoded.value) ?? 0);
    if (counter !== undefined) this.stats.add(counter);
    this.feed({ kind: 'dhcp', msg: decoded.value });
  }

  // ---- interfaces ------------------------------------------------------

  private onInterface(state: InterfaceState): void {
    if (this.stopped) return;
    this.ifStates.set(state.name, state);
    const role = state.name === this.cfg.serverInterface ? 'server' : 'client';
    if (state.ifindex === undefined || !state.up) {
      this.log.once(`if-missing-${state.name}`, 2, `${role} interface ${state.name} is ${state.ifindex === undefined ? 'missing' : 'down'}; waiting for it`);
    } else {
      this.log.clearOnce(`if-missing-${state.name}`);
    }
    if (this.cfg.dhcpEnabled && state.name === this.cfg.clientInterface) this.dhcpSocket.follow(state);
    if (state.name === this.cfg.serverInterface) this.meshSockets.follow(state);
  }

  private onServerState(state: InterfaceState, usable: boolean): void {
    this.meshReady = usable && state.linkLocal !== undefined;
    // Without a link-local source address nothing can be sent; usually DAD, about 1.5 s after link up.
    if (usable && !this.meshReady) this.log.once(`if-nolinklocal-${state.name}`, 3, `server interface ${state.name} is up; waiting for its IPv6 link-local address`);
    else this.log.clearOnce(`if-nolinklocal-${state.name}`);
    this.flushBacklog();
  }

  // ---- DaemonApi -------------------------------------------------------

  now(): Millis {
    return monotonicNow();
  }

  view(): CoreView {
    return this.core.view();
  }

  interfaces(): readonly InterfaceStatus[] {
    const out: InterfaceStatus[] = [];
    const describe = (role: 'client' | 'server', name: string): void => {
      const s = this.ifStates.get(name);
      out.push({ role, name, ifindex: s?.ifindex, up: s?.up ?? false, address: role === 'client' ? s?.ipv4 : s?.linkLocal });
    };
    if (this.cfg.dhcpEnabled) describe('client', this.cfg.clientInterface);
    describe('server', this.cfg.serverInterface);
    return out;
  }

  setOption(option: OptionEntry): void {
    this.feed({ kind: 'command', cmd: { kind: 'setOption', option } });
  }

  removeOption(code: number): void {
    this.feed({ kind: 'command', cmd: { kind: 'removeOption', code } });
  }

  logLevel(): number {
    return this.log.level;
  }

  setLogLevel(level: number): void {
    this.log.level = level;
  }

  config(): DaemonConfig {
    return this.cfg;
  }

  private reloading: Promise<string | undefined> | undefined;

  /**
   * On OpenWrt one commit reaches us twice (procd's reload trigger runs the init
   * script's reload, and procd notifies config.change); concurrent reloads share
   * one read, and an unchanged configuration is not applied again.
   */
  reload(): Promise<string | undefined> {
    this.reloading ??= this.reloadOnce().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async reloadOnce(): Promise<string | undefined> {
    if (this.extra.rereadConfig === undefined) {
      this.log.info('reload: started without --uci, nothing to re-read');
      return undefined;
    }
    const next = await this.extra.rereadConfig();
    if (typeof next === 'string') {
      this.log.error(`reload refused, keeping the running configuration: ${next}`);
      return next;
    }
    this.applyConfig(next);
    return undefined;
  }

  /** What the option table (config/options.ts) marks live applies at once; a protocol setting restarts the protocol state. */
  applyConfig(next: DaemonConfig): void {
    const prev = this.cfg;
    if (sameConfig(prev, next)) {
      this.log.debug('reload: configuration unchanged');
      return;
    }
    this.cfg = next;
    this.log.level = next.logLevel;
    const atStart = changedSettings(prev, next, 'start').map((s) => s.uci ?? s.flag ?? s.key);
    if (atStart.length > 0) this.log.warn(`reload: ${atStart.join(', ')} changed; that takes effect when ddhcpd restarts`);
    if (changedSettings(prev, next, 'protocol').length > 0) {
      this.log.warn('reload: network or protocol parameters changed; restarting the protocol state');
      this.core = this.buildCore(undefined);
      // Announcements of the old protocol state must not go out late.
      for (let n = this.backlog.clear(); n > 0; n--) this.stats.addDrop('mcast', 'serverInterfaceNotReady');
      this.feed({ kind: 'link', clientAddress: clientAddressOf(this.ifStates.get(next.clientInterface)) });
      return;
    }
    const store = toCoreConfig(next, this.nodeId).options;
    for (const old of this.core.view().options()) {
      if (!store.some((o) => o.code === old.code)) this.removeOption(old.code);
    }
    for (const o of store) this.setOption(o);
    this.log.info('reload: configuration applied');
  }

  stop(): void {
    if (this.stopped) return;
    this.stateWriter.flushSync();
    this.stopped = true;
    this.timer.cancel();
    this.watcher?.close();
    this.dhcpSocket.stop();
    this.meshSockets.stop();
  }
}

function sameConfig(a: DaemonConfig, b: DaemonConfig): boolean {
  const plain = (c: DaemonConfig): string =>
    JSON.stringify({ ...c, options: c.options.map((o) => [o.code, Array.from(o.payload)]) });
  return plain(a) === plain(b);
}

function ipv4ToNumber(text: string): number {
  return text.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

function clientAddressOf(s: InterfaceState | undefined): number | undefined {
  return s?.ipv4 === undefined ? undefined : ipv4ToNumber(s.ipv4);
}
