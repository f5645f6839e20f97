// Resource-record builders. Names are passed in the exact letter case they must be sent in.
import { isIPv6 } from '../cluster/ip.js';
import { RRType, type ResourceRecord } from './message.js';

/** The schema version of the Kubernetes DNS specification we implement, and its TTL. */
export const DNS_SCHEMA_VERSION = '1.1.0';
export const DNS_VERSION_TTL = 28800;

/** SOA timers, as CoreDNS sends them. */
const SOA_REFRESH = 7200;
const SOA_RETRY = 1800;
const SOA_EXPIRE = 86400;
const SOA_MAX_TTL = 300;

/** A for an IPv4 address, AAAA for an IPv6 one (canonical text). */
export function addressRecord(name: string, ttl: number, address: string): ResourceRecord {
  return { name, ttl, data: { type: isIPv6(address) ? RRType.AAAA : RRType.A, address } };
}

export function cnameRecord(name: string, ttl: number, target: string): ResourceRecord {
  return { name, ttl, data: { type: RRType.CNAME, target } };
}

export function ptrRecord(name: string, ttl: number, target: string): ResourceRecord {
  return { name, ttl, data: { type: RRType.PTR, target } };
}

export function nsRecord(name: string, ttl: number, target: string): ResourceRecord {
  return { name, ttl, data: { type: RRType.NS, target } };
}

export function srvRecord(name: string, ttl: number, weight: number, port: number, target: string): ResourceRecord {
  return { name, ttl, data: { type: RRType.SRV, priority: 0, weight, port, target } };
}

export function dnsVersionRecord(name: string): ResourceRecord {
  return { name, ttl: DNS_VERSION_TTL, data: { type: RRType.TXT, strings: [DNS_SCHEMA_VERSION] } };
}

/** `ns.dns.<zone>`: the name server of every zone we serve (SOA mname, apex NS target). */
export function nameserverName(zoneAsAsked: string): string {
  return `ns.dns.${zoneAsAsked}`;
}

/** `<zone> min(ttl,300) SOA ns.dns.<zone> hostmaster.<zone> <serial> 7200 1800 86400 <ttl>`. */
export function soaRecord(zoneAsAsked: string, ttl: number, serial: number): ResourceRecord {
  return {
    name: zoneAsAsked,
    ttl: Math.min(ttl, SOA_MAX_TTL),
    data: {
      type: RRType.SOA,
      mname: nameserverName(zoneAsAsked),
      rname: `hostmaster.${zoneAsAsked}`,
      serial,
      refresh: SOA_REFRESH,
      retry: SOA_RETRY,
      expire: SOA_EXPIRE,
      minimum: ttl,
    },
  };
}
