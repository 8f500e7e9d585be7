// Bundles the daemon and ddhcpdctl into one file each under dist/, runnable
// with plain node and no node_modules. The netlink package's native binding is
// copied beside the bundle and loaded from there instead of via node-gyp-build.
// `node scripts/build.mjs --analyze` also prints what each bundle is made of.
import { analyzeMetafile, build } from 'esbuild';
import { mkdirSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const require = createRequire(import.meta.url);
const arch = process.arch;
mkdirSync('dist', { recursive: true });

const netlinkDir = path.dirname(require.resolve('netlink/package.json'));
const built = path.join(netlinkDir, 'build/Release/netlink_binding.node');
const prebuilt = path.join(netlinkDir, `prebuilds/linux-${arch}/node.napi.node`);
// Running daemons (tests in parallel with a build) have the .node file mapped: rewriting
// it in place crashes them (SIGSEGV), so every output is replaced by rename, never rewritten.
function replaceFile(dest, bytes, mode) {
  if (existsSync(dest) && readFileSync(dest).equals(bytes)) return;
  const tmp = `${dest}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes, { mode });
  renameSync(tmp, dest);
}
replaceFile('dist/netlink.node', readFileSync(existsSync(built) ? built : prebuilt), 0o755);

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

const analyze = process.argv.includes('--analyze');
const common = {
  define: { __DDHCPD_REVISION__: JSON.stringify(revision) },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  // V8 keeps the whole source text on the heap and parses it at start: without
  // whitespace the daemon bundle is 234 KB, not 341 KB, and the idle daemon 0.1-0.2
  // MB smaller. Mangling names would save 0.06 MB more; unmangled, a stack trace
  // in the log still names our functions.
  minifySyntax: true,
  minifyWhitespace: true,
  metafile: analyze,
  legalComments: 'none',
  plugins: [nativeBeside],
  logLevel: 'warning',
};

const entries = [
  ['src/cli/ddhcpd.ts', 'dist/ddhcpd.js'],
  ['src/cli/ddhcpdctl.ts', 'dist/ddhcpdctl.js'],
  // The Gluon upgrade step and gateway follower (src/gluon), run on the node by busybox ash wrappers.
  ['src/cli/ddhcpd-gluon.ts', 'dist/ddhcpd-gluon.js'],
];
for (const [entry, outfile] of entries) {
  // A daemon started while a bundle is half written would not parse: write, then rename.
  const out = await build({ ...common, entryPoints: [entry], outfile, write: false, banner: { js: '#!/usr/bin/env node' } });
  for (const f of out.outputFiles) replaceFile(f.path, Buffer.from(f.contents), 0o644);
  if (analyze) process.stdout.write(`${outfile}:${await analyzeMetafile(out.metafile, { verbose: false })}\n`);
}
