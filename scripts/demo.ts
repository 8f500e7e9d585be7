// `make demo`: a local demo mesh in network namespaces. Three daemons, three
// real DHCP clients each (udhcpc and dhclient), who got which address from
// which node, then one client roams and keeps its address. Tears it all down.

import { DhcpClient } from '../test/netns/clients';
import { blockOf, nodeIdOf, ownBlocks, statistic } from '../test/netns/ctl-text';
import { Lab, type DaemonHandle } from '../test/netns/lab';

async function main(): Promise<void> {
  const lab = new Lab();
  const stop = async (): Promise<void> => {
    await lab.close();
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    console.log(`demo: building a 3-node mesh in namespaces ${lab.tag}-* (network 10.0.128.0/17, blocks of 4)`);
    const daemons: DaemonHandle[] = [];
    for (let i = 0; i < 3; i++) lab.addNode(i);
    for (let i = 0; i < 3; i++) daemons.push(lab.startDaemon(i, ['-L', '-s', '3']));
    const clients: { client: DhcpClient; node: number; port: string; mac: string }[] = [];
    for (let node = 0; node < 3; node++) {
      for (let j = 0; j < 3; j++) {
        const c = lab.addClient(node);
        clients.push({ client: j === 2 ? DhcpClient.dhclient(lab, c.ns) : DhcpClient.udhcpc(lab, c.ns), node, port: c.port, mac: c.mac });
      }
    }
    console.log('demo: 3 daemons started (-L: no learning phase), 9 clients asking for leases...');
    await Promise.all(clients.map((c) => c.client.waitBound(60_000)));
    const ids = daemons.map((d) => nodeIdOf(lab, d));
    console.log('\nclient MAC          client    address         served by node (node id)      block');
    for (const c of clients) {
      const ip = c.client.current() ?? '-';
      const owner = daemons.findIndex((d) => ownBlocks(lab, d).has(blockOf(ip)));
      console.log(`${c.mac}  ${c.client.kind.padEnd(8)}  ${ip.padEnd(14)}  node ${owner} (${ids[owner] ?? '?'})  ${blockOf(ip)}`);
    }
    const roamer = clients[0];
    if (roamer === undefined) throw new Error('no clients');
    const ip = roamer.client.current();
    console.log(`\ndemo: roaming ${roamer.mac} (${ip ?? '-'}) from node 0 to node 1 and renewing...`);
    lab.roam(roamer.port, 0, 1);
    const ev = await roamer.client.renew();
    const forwarded = statistic(lab, daemons[1] as DaemonHandle, 'direct.send_renewlease');
    console.log(`demo: after roaming the client holds ${ev.ip} (${ev.ip === ip ? 'kept its address' : 'CHANGED'}); ` +
      `node 1 forwarded ${forwarded} renewal(s) to node 0, the block's owner`);
    console.log('\nnode 1 block table (ddhcpdctl -b):');
    console.log(lab.ctl(daemons[1] as DaemonHandle, ['-b']));
  } finally {
    await stop();
    console.log('demo: namespaces removed');
  }
}

main().catch((e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
