// One text form per IP address, so the same address from two objects is the same map key:
// IPv4 dotted quad as is, IPv6 compressed and lower case (RFC 5952, as Kubernetes prints them).
import { isIP } from 'node:net';

/** The canonical text of `text`, or null when it is not an IP address. */
export function canonicalIP(text: string): string | null {
  switch (isIP(text)) {
    case 4:
      return text;
    case 6:
      // The WHATWG URL parser serialises IPv6 hosts in RFC 5952 form; it rejects zone ids (fe80::1%eth0).
      try {
        return new URL(`http://[${text}]/`).hostname.slice(1, -1);
      } catch {
        return null;
      }
    default:
      return null;
  }
}

export function ipFamily(text: string): 4 | 6 | 0 {
  const family = isIP(text);
  return family === 4 || family === 6 ? family : 0;
}
