// ddhcpdctl: sends one control request to ddhcpd (ours or the C one, same bytes)
// and prints the reply unchanged, or as JSON with --json (rendered here from the
// text, so it works against the C daemon too). Every failure exits 1 with one line.

import { parseBlockTable } from '../ctl/block-table';
import { parseOptionStore } from '../ctl/option-store';
import { parseStatistics, statisticsToJson } from '../ctl/statistics';
import { encodeControlRequest, type ControlRequest } from '../ctl/codec';
import { exchangeControl } from '../ctl/client';
import { err, ok, type Result } from '../wire/result';
import { VERSION } from './version';
import { isQuery, parseCtlArgs, USAGE } from './ddhcpdctl-args';
import { runMain } from './run-main';

declare const __DDHCPD_REVISION__: string | undefined;
/** `-V` prints `Revision: <git commit>` as C's ddhcpdctl does; without one (sources run by tsx, a build from the release tarball) the version. */
const REVISION = typeof __DDHCPD_REVISION__ === 'string' && __DDHCPD_REVISION__ !== 'unknown' ? __DDHCPD_REVISION__ : `ddhcpd-ts ${VERSION} (unknown revision)`;

async function main(argv: readonly string[]): Promise<number> {
  const plan = parseCtlArgs(argv);
  if (!plan.ok) return fail(plan.error);
  if (plan.value.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (plan.value.kind === 'version') {
    process.stdout.write(`Revision: ${REVISION}\n`);
    return 0;
  }
  const { path, request, json, timeoutSec } = plan.value;
  const reply = await exchangeControl(path, encodeControlRequest(request), timeoutSec * 1000);
  if (!reply.ok) return fail(reply.error);
  const bytes = reply.value;
  const text = bytes.toString('latin1');
  if (text.startsWith('ERROR:')) return fail(`daemon refused the request: ${text.slice(6).split('\n')[0]?.trim() ?? ''}`);
  if (bytes.length === 0 && isQuery(request)) {
    // The C daemon answers nothing to -s/-S unless built with statistics.
    return fail('the daemon sent no reply (a C ddhcpd built without statistics ignores -s and -S)');
  }
  if (!json) {
    process.stdout.write(bytes);
    return 0;
  }
  const rendered = renderJson(request, text);
  if (!rendered.ok) return fail(`unexpected reply from the daemon: ${rendered.error}`);
  process.stdout.write(rendered.value);
  return 0;
}

function renderJson(request: ControlRequest, text: string): Result<string, string> {
  const pretty = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
  switch (request.kind) {
    case 'showBlocks': {
      const t = parseBlockTable(text);
      return t.ok ? ok(pretty(t.value)) : t;
    }
    case 'showOptions': {
      const s = parseOptionStore(text);
      return s.ok ? ok(pretty(s.value)) : s;
    }
    case 'statistics':
    case 'statisticsReset': {
      const s = parseStatistics(text);
      return s.ok ? ok(statisticsToJson(s.value)) : s;
    }
    default:
      return err(`no JSON form for ${request.kind}`);
  }
}

function fail(message: string): number {
  process.stderr.write(`ddhcpdctl: ${message}\n`);
  return 1;
}

// `ddhcpdctl -b | head` closes our stdout early: stop quietly, as a C tool killed by SIGPIPE would.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

runMain('ddhcpdctl', main);
