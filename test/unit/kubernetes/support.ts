// Helpers for the Kubernetes source's unit tests: a client pointed at the fake API server, a sink that
// records what the source delivered, a logger whose lines the tests can read, and object builders.
import { Writable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeClient, type KubeClient } from '../../../src/cluster/kubernetes/client.js';
import type { ReflectorOptions } from '../../../src/cluster/kubernetes/reflector.js';
import type { ClusterSink } from '../../../src/cluster/source.js';
import type { ClusterObject, ObjectKind } from '../../../src/cluster/types.js';
import { createLogger, type Logger } from '../../../src/logger.js';
import type { FakeApiServer, KubeObject } from '../../fake-apiserver/index.js';

export { eventually, service, namespace, endpointSlice, pod } from '../fake-apiserver/support.js';

export function kubeConfigFor(server: FakeApiServer): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'fake', token: 'svcdns-fake-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kc;
}

export function clientFor(server: FakeApiServer, options: { silenceTimeoutMs?: number; signal?: AbortSignal } = {}): KubeClient {
  return createKubeClient(kubeConfigFor(server), server.url, {
    silenceTimeoutMs: options.silenceTimeoutMs ?? 30_000,
    listTimeoutMs: 5_000,
    signal: options.signal ?? new AbortController().signal,
    userAgent: 'svcdns-test',
  });
}

/** Quick retries so failure paths finish in milliseconds; a fixed jitter keeps delays predictable. */
export const FAST: ReflectorOptions = {
  pageSize: 500,
  backoff: { initialMs: 20, maxMs: 200, random: () => 0.5 },
  watchTimeoutSeconds: () => 300,
  quickEndMs: 1000,
};

/** A ClusterSink holding what it was given, by kind and key, with a log of every call. */
export class RecordingSink implements ClusterSink {
  readonly objects = new Map<ObjectKind, Map<string, ClusterObject>>();
  readonly synced = new Set<ObjectKind>();
  readonly calls: string[] = [];
  /** Makes upsert throw for objects with this name (a buggy consumer). */
  throwFor: string | null = null;

  upsert(object: ClusterObject): void {
    const key = object.kind === 'namespace' ? object.obj.name : `${object.obj.namespace}/${object.obj.name}`;
    this.calls.push(`upsert ${object.kind} ${key}`);
    if (this.throwFor !== null && object.obj.name === this.throwFor) throw new Error(`sink refuses ${key}`);
    this.of(object.kind).set(key, object);
  }

  remove(kind: ObjectKind, namespace: string | undefined, name: string): void {
    const key = namespace ? `${namespace}/${name}` : name;
    this.calls.push(`remove ${kind} ${key}`);
    this.of(kind).delete(key);
  }

  replace(kind: ObjectKind, objects: readonly ClusterObject[]): void {
    this.calls.push(`replace ${kind} ${objects.length}`);
    const map = this.of(kind);
    map.clear();
    for (const o of objects) map.set(o.kind === 'namespace' ? o.obj.name : `${o.obj.namespace}/${o.obj.name}`, o);
  }

  markSynced(kind: ObjectKind): void {
    this.calls.push(`synced ${kind}`);
    this.synced.add(kind);
  }

  keys(kind: ObjectKind): string[] {
    return [...this.of(kind).keys()].sort();
  }

  get(kind: ObjectKind, key: string): ClusterObject | undefined {
    return this.of(kind).get(key);
  }

  private of(kind: ObjectKind): Map<string, ClusterObject> {
    let map = this.objects.get(kind);
    if (map === undefined) this.objects.set(kind, (map = new Map()));
    return map;
  }
}

export interface LogRecord {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A real (pino) logger writing into an array the test can read. */
export function capturingLogger(level: 'debug' | 'info' = 'debug'): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) records.push(JSON.parse(line) as LogRecord);
      done();
    },
  });
  return { logger: createLogger(level, sink), records };
}

export function headlessService(ns: string, name: string, selector = true): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
    spec: { clusterIP: 'None', ...(selector ? { selector: { app: name } } : {}), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
}

/** An IPv4 EndpointSlice of `service` with one ready endpoint per address, optionally stamped with a trigger time. */
export function slice(ns: string, service: string, name: string, addresses: readonly string[], triggerTime?: Date): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      name, namespace: ns, labels: { 'kubernetes.io/service-name': service },
      ...(triggerTime ? { annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': triggerTime.toISOString() } } : {}),
    },
    addressType: 'IPv4',
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** Addresses of a slice as the sink holds it. */
export function sliceAddresses(sink: RecordingSink, key: string): string[] {
  const o = sink.get('endpointslice', key);
  return o?.kind === 'endpointslice' ? o.obj.endpoints.flatMap((e) => e.addresses) : [];
}
