// Names outside the cluster zone that the `search` and `perftests` mixes use. The local upstream
// (dnsmasq) answers them, and the comparison server serves the same answers from a small zone, so both
// sides give the same replies.

export const OUTSIDE_DOMAINS = ['example.com', 'example.net', 'example.org'] as const;
export const OUTSIDE_A = '192.0.2.1';
export const OUTSIDE_AAAA = '2001:db8::1';

const HOSTS = ['www', 'api', 'cdn', 'auth', 'login', 'static', 'mail', 'img'];

/** Fully qualified outside names (no trailing dot), each under one of OUTSIDE_DOMAINS. */
export function outsideNames(): string[] {
  const names: string[] = [];
  for (const domain of OUTSIDE_DOMAINS) for (const host of HOSTS) names.push(`${host}.${domain}`);
  return names;
}
