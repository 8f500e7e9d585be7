// Loads the recorded ubus scenarios (test/vectors/ubus-vectors) and groups their
// messages into sessions: one per client connection, in capture order. rpcd
// and the example server keep one connection across several scenario files.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexToBytes } from '../../../src/wire/bytes';
import { UBUS_VECTORS } from '../../vectors/dirs';

export const VECTOR_DIR = UBUS_VECTORS;

export interface Recorded {
  readonly dir: 'client->ubusd' | 'ubusd->client';
  readonly hex: string;
  readonly note: string;
  readonly client: string;
  readonly conn: number;
  readonly fds?: number;
}

export interface RecordedMessage extends Recorded {
  readonly scenario: string;
  readonly bytes: Uint8Array;
}

export interface Session {
  /** `run/client/conn`: acl_nonroot was captured by another ubusd, so its connection numbers are separate. */
  readonly key: string;
  readonly client: string;
  readonly messages: readonly RecordedMessage[];
}

export function scenarioNames(): string[] {
  const index = JSON.parse(readFileSync(join(VECTOR_DIR, 'index.json'), 'utf8')) as Record<string, { file: string }>;
  return Object.keys(index);
}

export function loadScenario(name: string): RecordedMessage[] {
  const raw = JSON.parse(readFileSync(join(VECTOR_DIR, `${name}.json`), 'utf8')) as Recorded[];
  return raw.map((m) => {
    const bytes = hexToBytes(m.hex);
    if (bytes === undefined) throw new Error(`${name}: bad hex`);
    return { ...m, scenario: name, bytes };
  });
}

/** Every connection of every scenario, messages in capture order (index.json order is capture order). */
export function loadSessions(): Session[] {
  const sessions = new Map<string, { client: string; messages: RecordedMessage[] }>();
  for (const name of scenarioNames()) {
    for (const m of loadScenario(name)) {
      const key = `${name === 'acl_nonroot' ? 'acl' : 'main'}/${m.client}/${m.conn}`;
      let s = sessions.get(key);
      if (s === undefined) {
        s = { client: m.client, messages: [] };
        sessions.set(key, s);
      }
      s.messages.push(m);
    }
  }
  return [...sessions].map(([key, s]) => ({ key, client: s.client, messages: s.messages }));
}

/** The recorded stream for one connection of one scenario, as a replaying stand-in serves it. */
export function connectionScript(scenarios: readonly string[], client: string, conn: number): RecordedMessage[] {
  return scenarios.flatMap((s) => loadScenario(s)).filter((m) => m.client === client && m.conn === conn);
}
