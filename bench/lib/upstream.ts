// The local upstream for names outside the cluster (the `perftests` mix's 24 %): dnsmasq on a loopback
// port answering the outside names from its own configuration, so nothing leaves the machine. Its
// answers carry a 30 s TTL, as real upstream answers for popular names do (dnsmasq's default for
// --address answers is 0, which no cache may keep, so every outside question would go upstream).
import { answersName, QTYPE } from './dns-client.ts';
import { ProcessGroup, waitFor } from './procs.ts';
import type { Managed } from './procs.ts';
import { OUTSIDE_A, OUTSIDE_AAAA, OUTSIDE_DOMAINS, outsideNames } from './outside.ts';
import { requireCommand } from './tools.ts';

export function dnsmasqArgs(port: number): string[] {
  const args = ['--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--bind-interfaces',
    '--listen-address=127.0.0.1', `--port=${port}`, '--pid-file=', '--cache-size=10000', '--log-facility=-', '--local-ttl=30'];
  for (const domain of OUTSIDE_DOMAINS) args.push(`--address=/${domain}/${OUTSIDE_A}`, `--address=/${domain}/${OUTSIDE_AAAA}`);
  return args;
}

export async function startUpstream(group: ProcessGroup, port: number, cpu?: string): Promise<Managed> {
  requireCommand('dnsmasq', 'dnsmasq', 'as the local upstream for outside names');
  const proc = group.start('dnsmasq', 'dnsmasq', dnsmasqArgs(port), cpu === undefined ? {} : { cpu });
  const probe = outsideNames()[0] as string;
  await waitFor(`dnsmasq to answer ${probe}`, () => answersName('127.0.0.1', port, probe, QTYPE.A), 10_000, proc);
  return proc;
}
