import { Lab, sleep } from './lab';
import { DhcpClient } from './clients';
import { blockRows, blockOf } from './ctl-text';
async function main() {
  const lab = new Lab();
  try {
    for (let i = 0; i < 2; i++) lab.addNode(i);
    const d = [0, 1].map((i) => lab.startDaemon(i, ['-B', '16', '-t', '2', '-L']));
    const mine: DhcpClient[] = [];
    for (let j = 0; j < 3; j++) mine.push(DhcpClient.udhcpc(lab, lab.addClient(0).ns));
    await Promise.all(mine.map((c) => c.waitBound(60_000)));
    for (let k = 0; k < 8; k++) {
      const ips = mine.map((c) => c.current() as string);
      console.log(Date.now() % 100000, 'ips', ips.join(' '), 'blocks', ips.map((x) => blockOf(x)).join(','));
      for (const h of d) console.log('  node', h.node, JSON.stringify(blockRows(lab, h).filter((r) => r.state >= 3)));
      await sleep(1000);
    }
    console.log(d[0]!.log.split('\n').filter((l) => /block|claim|learn/.test(l)).slice(0, 40).join('\n'));
  } finally { await lab.close(); }
}
void main();
