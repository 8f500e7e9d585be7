// Gluon's site as a node sees it: /lib/gluon/site.json, and on multi-domain
// firmware the node's /lib/gluon/domains/<code>.json merged over it key by key
// (tables merge recursively, every other value is replaced), which is how
// Gluon's own site library combines them. Pure: the caller reads the files.

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
export type JsonTable = { readonly [key: string]: Json };

export function isTable(v: unknown): v is JsonTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` merged into `base`: tables merge, anything else in `over` replaces. */
export function mergeSite(base: JsonTable, over: JsonTable): JsonTable {
  const out: { [key: string]: Json } = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    out[key] = isTable(below) && isTable(value) ? mergeSite(below, value) : value;
  }
  return out;
}

/** A dotted path into the site: `lookup(site, 'next_node', 'ip4')`. */
export function lookup(site: JsonTable, ...keys: readonly string[]): Json | undefined {
  let at: Json | undefined = site;
  for (const key of keys) {
    if (!isTable(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

/**
 * The node's domain: `gluon.core.domain` when its file exists, else the site's
 * `default_domain` (as Gluon does after a domain file was dropped from the
 * firmware); undefined on single-domain firmware or when neither is usable.
 */
export function chooseDomain(site: JsonTable, configured: string | undefined, exists: (code: string) => boolean): string | undefined {
  const safe = (code: string | undefined): code is string => code !== undefined && /^[A-Za-z0-9_-]+$/.test(code);
  if (safe(configured) && exists(configured)) return configured;
  const fallback = site['default_domain'];
  return typeof fallback === 'string' && safe(fallback) && exists(fallback) ? fallback : undefined;
}
