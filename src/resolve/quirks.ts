// CoreDNS behaviours that follow from its code paths rather than from DNS sense (behaviour §3.6),
// each with the decision we took, in one place so it can be revisited. None is asserted by CoreDNS's
// own tests; docs/compatibility.md gives the table and the reasons at length.
//
// The rule behind the decisions: an NXDOMAIN says the name and everything below it does not exist
// (RFC 8020), and resolvers that cache it that way then deny real names. So where CoreDNS answers
// NXDOMAIN for a name that exists, we answer NODATA; where it is harmless, we match CoreDNS.
import { STATIC, nodata, nxdomain, type NodataOutcome, type NxdomainOutcome } from './outcome.js';

/**
 * TXT at a name that owns no records of its own — the apex, `svc.<zone>`, `pod.<zone>`,
 * `<ns>.svc.<zone>`, `<ns>.pod.<zone>`. CoreDNS: NXDOMAIN (although A there is NODATA).
 * Ours: NODATA, like every other type at these names.
 */
export function txtAtStructuralName(): NodataOutcome {
  return nodata(STATIC);
}

/** `dns-version.<zone>` asked for anything but TXT. CoreDNS: NXDOMAIN. Ours: NODATA. */
export function dnsVersionOtherType(): NodataOutcome {
  return nodata(STATIC);
}

/**
 * A reverse name that is not a complete address (e.g. `10.in-addr.arpa`). CoreDNS: NXDOMAIN (or
 * fallthrough). Ours: the same. Telling an empty non-terminal from a missing name would need an
 * index of every address prefix (32 per IPv6 endpoint); stub resolvers never ask these names, and
 * the usual set-up (`--fallthrough in-addr.arpa,ip6.arpa`) hands them upstream anyway.
 */
export function partialReverseName(): NxdomainOutcome {
  return nxdomain(STATIC);
}

// Decided elsewhere, recorded here so the list is complete:
// - SOA below the apex: CoreDNS answers NODATA even for names that do not exist. Ours: NODATA where
//   the name exists, NXDOMAIN where it does not (SOA is looked up like any type we hold no data for).
// - A type other than PTR at an address in a reverse zone: CoreDNS answers NXDOMAIN even when the
//   address has a PTR. Ours: NODATA when it has one, NXDOMAIN otherwise (ptr.ts).
// - ExternalName asked for TXT (and SRV, MX, …): CoreDNS answers NODATA. Ours: the CNAME, chased
//   for that type like A/AAAA, because a CNAME stands for every type at its name (RFC 1034 §3.6.2).
// - `_<port>._<proto>.<svc>` asked for A/AAAA answers the service's addresses, as in CoreDNS (kept:
//   harmless, and some clients rely on it).
