// Pod records `<a-b-c-d>.<ns>.pod.<zone>` (behaviour §3.8) in the three modes.
import { canonicalIP, isIPv6, parseIPv4 } from '../cluster/ip.js';
import { podGenerationKey } from '../zone/index.js';
import type { NameQuery, ResolverEnv } from './env.js';
import { RRType } from './message.js';
import { STATIC, nodata, nxdomain, records, type Outcome } from './outcome.js';
import { addressRecord } from './records.js';

/**
 * The address a pod label stands for: exactly three `-` and no `--` is IPv4, anything else is read
 * as IPv6 with every `-` a `:` (so `fd00--1` is `fd00::1`). Null when that is not an address.
 */
export function podLabelToIP(label: string): string | null {
  const dashes = label.split('-').length - 1;
  if (dashes === 3 && !label.includes('--')) {
    const octets = parseIPv4(label.replaceAll('-', '.'));
    return octets === null ? null : octets.join('.');
  }
  const ipv6 = label.replaceAll('-', ':');
  return ipv6.includes(':') ? canonicalIP(ipv6) : null;
}

export function podOutcome(env: ResolverEnv, query: NameQuery, namespace: string, label: string): Outcome {
  if (env.pods === 'disabled' || !env.exposed(namespace)) return nxdomain(STATIC);
  const ip = podLabelToIP(label);
  if (ip === null) return nxdomain(STATIC);
  let dependsOn = STATIC;
  if (env.pods === 'verified') {
    dependsOn = [podGenerationKey(namespace, ip)];
    if (!env.index.hasPod(namespace, ip)) return nxdomain(dependsOn);
  }
  const wanted = query.type === RRType.A ? false : query.type === RRType.AAAA ? true : undefined;
  if (wanted === undefined || wanted !== isIPv6(ip)) return nodata(dependsOn);
  return records([addressRecord(query.owner, env.ttl, ip)], dependsOn);
}
