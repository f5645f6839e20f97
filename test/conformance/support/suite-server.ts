// Expectations from CoreDNS plugin/kubernetes tests, Apache-2.0, via shared/reference/conformance:
// one suite's fixture served by the real built server (`node dist/main.js`), configured by flags the
// way the suite configures the CoreDNS plugin.
import { startServer, type RunningServer } from '../../helpers/server.js';
import type { Case, CaseFile, SuiteConfig } from '../../unit/resolve/helpers/coredns-cases.js';
import { fixtureManifests, namespacesFor, toYaml, writeManifestDir, type ManifestDir } from './manifests.js';

export interface ServedSuite {
  readonly server: RunningServer;
  readonly manifests: ManifestDir;
  stop(): Promise<void>;
}

/** A manifest the source rejects: with it in the directory the source never completes a first sync. */
const NEVER_SYNCS = 'kind: Service\nmetadata: {name: broken, namespace: testns}\nspec: {type: Bogus}\n';

/** The flags that configure the server as the suite configures the plugin. */
export function suiteFlags(config: SuiteConfig, extra: { upstreamPort?: number } = {}): string[] {
  const flags: string[] = [];
  for (const zone of config.zones) flags.push('--zone', zone);
  flags.push('--ttl', String(config.ttl), '--pods', config.pods);
  if (config.namespaces.length > 0) flags.push('--namespaces', config.namespaces.join(','));
  if (config.fallthrough !== null) flags.push(config.fallthrough.length === 0 ? '--fallthrough' : `--fallthrough=${config.fallthrough.join(',')}`);
  if (config.ignore_empty_service) flags.push('--ignore-empty-service');
  if (config.endpoint_pod_names) flags.push('--endpoint-pod-names');
  if (config.noendpoints) flags.push('--no-endpoints');
  if (config.zonal === true) flags.push('--zonal');
  // CoreDNS's own addresses (for the apex NS glue): one address is all the suites use.
  const own = config.local_ips?.[0];
  if (own !== undefined) flags.push('--pod-ip', own);
  // Not synced: wait for the first sync far longer than any test runs.
  if (!config.synced) flags.push('--startup-timeout', '1h');
  flags.push('--upstream', extra.upstreamPort !== undefined ? `127.0.0.1:${extra.upstreamPort}` : 'none');
  return flags;
}

/** Serves `manifests` (YAML documents) with `flags`, listening on 127.0.0.1 and, with `ipv6`, on [::1]. */
export async function serveManifests(
  yamlText: string, flags: readonly string[], options: { ipv6?: boolean; waitReady?: boolean } = {},
): Promise<ServedSuite & { readonly ipv6Port: number }> {
  const manifests = writeManifestDir({ 'objects.yaml': yamlText });
  try {
    const listen = ['--listen', '127.0.0.1:0', ...(options.ipv6 === true ? ['--listen', '[::1]:0'] : [])];
    const server = await startServer(
      [...listen, '--admin', '127.0.0.1:0', '--manifests', manifests.path, ...flags],
      { noDefaults: true, waitReady: options.waitReady ?? true },
    );
    const listening = server.records().find((r) => r.msg === 'listening');
    const addresses = (listening?.['dns'] ?? []) as { host: string; port: number }[];
    return {
      server,
      manifests,
      ipv6Port: addresses.find((a) => a.host === '::1')?.port ?? 0,
      stop: async () => {
        await server.stop();
        manifests.remove();
      },
    };
  } catch (err) {
    manifests.remove();
    throw err;
  }
}

export async function serveSuite(
  file: CaseFile, suiteId: string, cases: readonly Case[], extra: { upstreamPort?: number; flags?: string[] } = {},
): Promise<ServedSuite> {
  const suite = file.suites.find((s) => s.id === suiteId);
  if (suite === undefined) throw new Error(`no suite ${suiteId}`);
  const fixture = file.fixture[suite.fixture];
  if (fixture === undefined) throw new Error(`no fixture ${suite.fixture}`);
  const namespaces = namespacesFor(fixture, cases, suite.config.zones);
  const files: Record<string, string> = { 'fixture.yaml': toYaml(fixtureManifests(fixture, namespaces)) };
  if (!suite.config.synced) files['zz-never-syncs.yaml'] = NEVER_SYNCS;
  const manifests = writeManifestDir(files);
  try {
    const server = await startServer(
      ['--manifests', manifests.path, ...suiteFlags(suite.config, extra), ...(extra.flags ?? [])],
      { waitReady: suite.config.synced },
    );
    return {
      server,
      manifests,
      stop: async () => {
        await server.stop();
        manifests.remove();
      },
    };
  } catch (err) {
    manifests.remove();
    throw err;
  }
}
