// Reads (gzipped) tar archives for the package tests, independently of the GNU
// tar that wrote them: entry names, modes, owners, types and contents. Handles
// the ustar/GNU header fields ipk files use and GNU long names ('L' entries).

import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  readonly name: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
  readonly data: Buffer;
}

const BLOCK = 512;

function readOctal(header: Buffer, offset: number, length: number): number {
  const text = header.subarray(offset, offset + length).toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function readString(header: Buffer, offset: number, length: number): string {
  return header.subarray(offset, offset + length).toString('utf8').replace(/\0.*$/s, '');
}

function entryType(flag: string): TarEntry['type'] {
  if (flag === '0' || flag === '\0') return 'file';
  if (flag === '5') return 'dir';
  if (flag === '2') return 'symlink';
  return 'other';
}

/** Parses an uncompressed tar; throws on a truncated archive (a test failure). */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = readOctal(header, 124, 12);
    const flag = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    if (dataStart + size > archive.length) throw new Error(`tar entry at ${offset} runs past the end`);
    const data = archive.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    const prefix = readString(header, 345, 155);
    const shortName = readString(header, 0, 100);
    const name = longName ?? (prefix !== '' && header.subarray(257, 263).toString('latin1') === 'ustar\0' ? `${prefix}/${shortName}` : shortName);
    longName = undefined;
    entries.push({
      name,
      mode: readOctal(header, 100, 8) & 0o7777,
      uid: readOctal(header, 108, 8),
      gid: readOctal(header, 116, 8),
      type: entryType(flag),
      data: Buffer.from(data),
    });
  }
  return entries;
}

export function readTarGz(archive: Buffer): TarEntry[] {
  return readTar(gunzipSync(archive));
}

export function findEntry(entries: readonly TarEntry[], name: string): TarEntry {
  const entry = entries.find((e) => e.name === name);
  if (entry === undefined) throw new Error(`${name} not in archive (has ${entries.map((e) => e.name).join(', ')})`);
  return entry;
}

/** "Key: value" lines of an opkg control file; continuation lines join the previous field. */
export function parseControl(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(' ') && last !== undefined) {
      fields.set(last, `${fields.get(last) ?? ''}\n${line}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`bad control line: ${line}`);
    last = line.slice(0, colon);
    fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}
