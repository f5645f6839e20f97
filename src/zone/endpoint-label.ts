// The label an endpoint answers under, `<label>.<svc>.<ns>.svc.<zone>`, chosen as CoreDNS does:
// the endpoint's hostname; else (with --endpoint-pod-names) the pod name when it fits in a label;
// else the address with its separators turned into dashes.

/** Pod names of 64 characters or more do not fit in a DNS label, so they fall back to the dashed IP. */
const MAX_POD_NAME_LABEL = 63;

/**
 * `10.0.0.1` → `10-0-0-1`, `5678:abcd::1` → `5678-abcd--1`. A result ending in `-` (an address
 * ending in `::`) gets a `0` appended so the label does not end in a hyphen.
 * `ip` must be in canonical form (IPv6 compressed), which is what the label is defined over.
 */
export function dashedIP(ip: string): string {
  const dashed = ip.replace(/[.:]/g, '-');
  return dashed.endsWith('-') ? `${dashed}0` : dashed;
}

export function endpointLabel(
  address: string,
  hostname: string | undefined,
  podName: string | undefined,
  endpointPodNames: boolean,
): string {
  return explicitEndpointLabel(hostname, podName, endpointPodNames) ?? dashedIP(address);
}

/** The hostname or pod-name label of an endpoint, or null when the dashed-IP default applies. */
export function explicitEndpointLabel(
  hostname: string | undefined,
  podName: string | undefined,
  endpointPodNames: boolean,
): string | null {
  if (hostname) return hostname.toLowerCase();
  if (endpointPodNames && podName && podName.length <= MAX_POD_NAME_LABEL) return podName.toLowerCase();
  return null;
}
