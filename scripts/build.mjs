// Bundles the daemon and ddhcpdctl into one file each under dist/, runnable
// with plain node and no node_modules. The netlink package's native binding is
// copied beside the bundle and loaded from there instead of via node-gyp-build.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const require = createRequire(import.meta.url);
const arch = process.arch;
mkdirSync('dist', { recursive: true });

const netlinkDir = path.dirname(require.resolve('netlink/package.json'));
const built = path.join(netlinkDir, 'build/Release/netlink_binding.node');
const prebuilt = path.join(netlinkDir, `prebuilds/linux-${arch}/node.napi.node`);
copyFileSync(existsSync(built) ? built : prebuilt, 'dist/netlink.node');

const nativeBeside = {
  name: 'native-beside-bundle',
  setup(b) {
    b.onResolve({ filter: /^node-gyp-build$/ }, () => ({ path: 'node-gyp-build', namespace: 'native-shim' }));
    b.onLoad({ filter: /.*/, namespace: 'native-shim' }, () => ({
      contents: "module.exports = () => require(require('path').join(__dirname, 'netlink.node'));",
      loader: 'js',
    }));
  },
};

let revision = 'unknown';
try {
  revision = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // building from a release tarball: no git
}

const common = {
  define: { __DDHCPD_REVISION__: JSON.stringify(revision) },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  minifySyntax: true,
  legalComments: 'none',
  plugins: [nativeBeside],
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['src/cli/ddhcpd.ts'], outfile: 'dist/ddhcpd.js', banner: { js: '#!/usr/bin/env node' } });
await build({ ...common, entryPoints: ['src/cli/ddhcpdctl.ts'], outfile: 'dist/ddhcpdctl.js', banner: { js: '#!/usr/bin/env node' } });
