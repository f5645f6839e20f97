// Zone files that make an authoritative C server (Knot, NSD) answer the benchmark's query mixes the
// way svcdns (after CoreDNS's kubernetes plugin) does: the same names, records, TTL 5, SOA in negative
// answers, NXDOMAIN for everything absent. Namespaces and `svc` are empty non-terminals, so they get
// NODATA as in CoreDNS.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { endpointLabel, readyEndpoints, reverseName, serviceFqdn } from './model.ts';
import type { ClusterModel, ModelService } from './model.ts';
import { OUTSIDE_A, OUTSIDE_AAAA, OUTSIDE_DOMAINS, outsideNames } from './outside.ts';

const TTL = 5;
const NS_NAME = 'ns.dns.cluster.local.';

export interface ZoneFile {
  /** Zone apex without the trailing dot. */
  readonly origin: string;
  /** File name relative to the zone directory. */
  readonly file: string;
}

function apex(origin: string): string[] {
  return [
    `$TTL ${TTL}`,
    `${origin}. ${TTL} IN SOA ${NS_NAME} hostmaster.${origin}. 1 7200 1800 86400 ${TTL}`,
    `${origin}. ${TTL} IN NS ${NS_NAME}`,
  ];
}

/** SRV weight as CoreDNS computes it: floor(100 / items), at least 1. */
function srvWeight(items: number): number {
  return Math.max(1, Math.floor(100 / Math.max(1, items)));
}

function serviceRecords(svc: ModelService, zone: string, out: string[]): void {
  const fqdn = `${serviceFqdn(svc, zone)}.`;
  const ready = readyEndpoints(svc);
  // CoreDNS answers endpoint names under every service, headless or not.
  for (const ep of ready) out.push(`${endpointLabel(ep)}.${fqdn} IN A ${ep.ip}`);
  const named = svc.ports.filter((p) => p.name !== '');
  if (svc.clusterIP !== undefined) {
    out.push(`${fqdn} IN A ${svc.clusterIP}`);
    for (const p of named) out.push(`_${p.name}._${p.protocol.toLowerCase()}.${fqdn} IN SRV 0 100 ${p.port} ${fqdn}`);
    return;
  }
  for (const ep of ready) out.push(`${fqdn} IN A ${ep.ip}`);
  const weight = srvWeight(ready.length);
  for (const p of named) {
    for (const ep of ready) {
      out.push(`_${p.name}._${p.protocol.toLowerCase()}.${fqdn} IN SRV 0 ${weight} ${p.targetPort} ${endpointLabel(ep)}.${fqdn}`);
    }
  }
}

export function clusterZoneText(model: ClusterModel): string {
  const out = apex(model.zone);
  out.push(`${NS_NAME} IN A 127.0.0.1`);
  for (const svc of model.services) serviceRecords(svc, model.zone, out);
  return out.join('\n') + '\n';
}

/** PTRs for cluster IPs and ready endpoint IPs; every generated address is in 10.0.0.0/8. */
export function reverseZoneText(model: ClusterModel): string {
  const out = apex('10.in-addr.arpa');
  for (const svc of model.services) {
    const fqdn = `${serviceFqdn(svc, model.zone)}.`;
    if (svc.clusterIP !== undefined) out.push(`${reverseName(svc.clusterIP)}. IN PTR ${fqdn}`);
    for (const ep of readyEndpoints(svc)) out.push(`${reverseName(ep.ip)}. IN PTR ${endpointLabel(ep)}.${fqdn}`);
  }
  return out.join('\n') + '\n';
}

/** The outside names the local upstream answers, served from zones so the comparison answers them too. */
export function outsideZoneText(domain: string): string {
  const out = apex(domain);
  for (const name of outsideNames().filter((n) => n.endsWith(`.${domain}`))) {
    out.push(`${name}. IN A ${OUTSIDE_A}`, `${name}. IN AAAA ${OUTSIDE_AAAA}`);
  }
  return out.join('\n') + '\n';
}

/** Writes every zone file into `dir`; returns them in the order a config should list them. */
export async function writeZoneFiles(dir: string, model: ClusterModel): Promise<ZoneFile[]> {
  await mkdir(dir, { recursive: true });
  const zones: { origin: string; text: string }[] = [
    { origin: model.zone, text: clusterZoneText(model) },
    { origin: '10.in-addr.arpa', text: reverseZoneText(model) },
    ...OUTSIDE_DOMAINS.map((d) => ({ origin: d, text: outsideZoneText(d) })),
  ];
  const files: ZoneFile[] = [];
  for (const zone of zones) {
    const file = `${zone.origin}.zone`;
    await writeFile(join(dir, file), zone.text);
    files.push({ origin: zone.origin, file });
  }
  return files;
}
