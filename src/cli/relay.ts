import type { Command } from 'commander';
import { tcpToUdp, udpToTcp, type Relay } from '../relay/index.js';
import type { Deps } from './deps.js';
import { tcpUrlOption, udpListenOption, udpUrlOption } from './options.js';

const REPORT_EVERY_MS = 5_000;

async function runRelay(relay: Relay, label: string, deps: Deps): Promise<void> {
  const line = (): string => {
    const c = relay.counters;
    return `avcm relay ${label}: ${c.connected ? 'connected' : 'disconnected'}, udp in ${c.udpIn} out ${c.udpOut}, tcp frames in ${c.tcpFramesIn} out ${c.tcpFramesOut}, dropped ${c.dropped}, reconnects ${c.reconnects}\n`;
  };
  deps.stderr.write(`avcm relay ${label}: listening on ${relay.address.host}:${relay.address.port}\n`);
  const timer = setInterval(() => deps.stderr.write(line()), REPORT_EVERY_MS);
  await new Promise<void>((resolve) => {
    const unsubscribe = deps.onInterrupt(() => {
      unsubscribe();
      resolve();
    });
  });
  clearInterval(timer);
  await relay.close();
  deps.stderr.write(line());
}

/** `avcm relay`: UDP <-> length-prefixed TCP, for clusters reachable only through `kubectl port-forward`. */
export function registerRelay(program: Command, deps: Deps, setExit: (code: number) => void): void {
  const relay = program.command('relay').description('UDP <-> TCP relay (2-byte big-endian length, then the datagram), both directions');
  relay
    .command('udp-to-tcp')
    .description('local side: UDP datagrams on --listen travel framed over TCP to --connect (reconnecting); replies come back to the last UDP sender')
    .requiredOption('--listen <url>', 'udp://HOST:PORT to receive datagrams on (port 0 = an ephemeral port, printed)', udpListenOption)
    .requiredOption('--connect <url>', 'tcp://HOST:PORT of the other relay (e.g. a kubectl port-forward)', tcpUrlOption('refuse'))
    .action(async (o: { listen: { host: string; port: number }; connect: { host: string; port: number } }) => {
      await runRelay(await udpToTcp(o.listen, o.connect), 'udp-to-tcp', deps);
      setExit(0);
    });
  relay
    .command('tcp-to-udp')
    .description('cluster side: frames arriving on --listen go out as UDP datagrams to --send; replies travel back framed')
    .requiredOption('--listen <url>', 'tcp://HOST:PORT to accept relay connections on (port 0 = an ephemeral port, printed)', tcpUrlOption('ephemeral'))
    .requiredOption('--send <url>', 'udp://HOST:PORT to send datagrams to', udpUrlOption)
    .action(async (o: { listen: { host: string; port: number }; send: { host: string; port: number } }) => {
      await runRelay(await tcpToUdp(o.listen, o.send), 'tcp-to-udp', deps);
      setExit(0);
    });
}
