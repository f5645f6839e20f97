// CoreDNS behaviours that follow from its code paths rather than from DNS sense (behaviour §3.6).
// We match CoreDNS for drop-in compatibility; each one lives here, named, so it can be revisited
// in one place. None is asserted by CoreDNS's own tests.
import { STATIC, nodata, nxdomain, type NodataOutcome, type NxdomainOutcome } from './outcome.js';

/**
 * TXT at a name that owns no records of its own — the apex, `svc.<zone>`, `pod.<zone>`,
 * `<ns>.svc.<zone>`, `<ns>.pod.<zone>` — is NXDOMAIN, although A at the same names is NODATA.
 */
export function txtAtStructuralName(): NxdomainOutcome {
  return nxdomain(STATIC);
}

/** `dns-version.<zone>` asked for anything but TXT is NXDOMAIN. */
export function dnsVersionOtherType(): NxdomainOutcome {
  return nxdomain(STATIC);
}

/** SOA asked below the apex is NODATA, even for a name that does not exist. */
export function soaBelowApex(): NodataOutcome {
  return nodata(STATIC);
}

/** In a reverse zone, every type but PTR is NXDOMAIN, even for an address that has a PTR. */
export function nonPtrInReverseZone(): NxdomainOutcome {
  return nxdomain(STATIC);
}

/** A reverse name that is not a complete address (e.g. `10.in-addr.arpa`) is NXDOMAIN. */
export function partialReverseName(): NxdomainOutcome {
  return nxdomain(STATIC);
}

/** TXT at an ExternalName is NODATA: the CNAME is answered and chased for A/AAAA/CNAME only. */
export function txtAtExternalName(dependsOn: readonly string[]): NodataOutcome {
  return nodata(dependsOn);
}
