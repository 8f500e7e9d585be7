// The one version of ddhcpd: package.json's. esbuild inlines just this field
// into the bundles (a named import of JSON is tree-shaken), tsx reads it when
// the tests run the sources. openwrt/ddhcpd/Makefile repeats it literally
// (OpenWrt's build needs PKG_VERSION there); test/unit/version.test.ts holds
// the two equal.

import { version } from '../../package.json';

export const VERSION: string = version;
