// Interface tracking from rtnetlink events (npm `netlink`): index, up/down, the
// client interface's IPv4 address and the server interface's usable IPv6
// link-local address. Any link or address event triggers one debounced re-read
// of the (small) link and address tables, so NEW/DEL ordering never matters
// and nothing polls.

import * as netlink from 'netlink';

export interface InterfaceState {
  readonly name: string;
  readonly ifindex: number | undefined;
  readonly up: boolean;
  /** First IPv4 address, dotted. */
  readonly ipv4: string | undefined;
  /** A link-local IPv6 address that finished duplicate address detection. */
  readonly linkLocal: string | undefined;
}

export interface InterfaceWatcher {
  current(name: string): InterfaceState;
  close(): void;
}

const DEBOUNCE_MS = 30;

/** RFC 5952 text form: the longest run of two or more zero groups becomes "::". */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function absent(name: string): InterfaceState {
  return { name, ifindex: undefined, up: false, ipv4: undefined, linkLocal: undefined };
}

function sameState(a: InterfaceState, b: InterfaceState): boolean {
  return a.ifindex === b.ifindex && a.up === b.up && a.ipv4 === b.ipv4 && a.linkLocal === b.linkLocal;
}

/**
 * Watches `names` and calls `onChange` with the new state of each interface
 * whose state changed (also once at start for every name).
 */
export function watchInterfaces(
  names: readonly string[],
  onChange: (state: InterfaceState) => void,
  onError: (err: Error) => void,
): InterfaceWatcher {
  const states = new Map<string, InterfaceState>(names.map((n) => [n, absent(n)]));
  const events = netlink.createRtNetlink({ ref: true } as Parameters<typeof netlink.createRtNetlink>[0]);
  const dumps = netlink.createRtNetlink();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;

  const resync = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const links = await dumps.getLinks();
        const addrs = await dumps.getAddresses();
        if (closed) return;
        for (const name of names) {
          const link = links.find((l) => l.attrs.ifname === name);
          if (link === undefined) {
            publish(absent(name));
            continue;
          }
          const index = link.data.index ?? 0;
          let ipv4: string | undefined;
          let linkLocal: string | undefined;
          for (const a of addrs) {
            if (a.data.index !== index || a.attrs.address === undefined) continue;
            const bytes = Uint8Array.from(a.attrs.address);
            const flags = a.data.flags ?? {};
            if (a.data.family === 2 && bytes.length === 4 && ipv4 === undefined) ipv4 = bytes.join('.');
            const f = flags as Record<string, boolean | undefined>;
            if (a.data.family === 10 && bytes.length === 16 && bytes[0] === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80 &&
                !f['tentative'] && !f['dadfailed'] && linkLocal === undefined) {
              linkLocal = formatIpv6(bytes);
            }
          }
          publish({ name, ifindex: index, up: link.data.flags?.up === true, ipv4, linkLocal });
        }
      } while (again && !closed);
    } catch (e) {
      onError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      running = false;
    }
  };

  const publish = (next: InterfaceState): void => {
    const prev = states.get(next.name);
    states.set(next.name, next);
    if (prev === undefined || !sameState(prev, next) || !initialised.has(next.name)) {
      initialised.add(next.name);
      onChange(next);
    }
  };
  const initialised = new Set<string>();

  const schedule = (): void => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void resync();
    }, DEBOUNCE_MS);
  };

  events.on('message', schedule);
  events.socket.on('error', (e: Error) => onError(e));
  dumps.socket.on('error', (e: Error) => onError(e));
  events.addMembership('LINK');
  events.addMembership('IPV4_IFADDR');
  events.addMembership('IPV6_IFADDR');
  void resync();

  return {
    current: (name) => states.get(name) ?? absent(name),
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      events.socket.close();
      dumps.socket.close();
    },
  };
}
