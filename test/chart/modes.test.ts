// Every mode renders objects that match the Kubernetes schemas and keep the properties that make
// svcdns a safe cluster DNS: ports, probes, security context, dnsPolicy, config wiring, shutdown.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir } from './helm.js';
import { configFile, containerPort, grants, dnsService, durationSeconds, svcdnsContainer, workload } from './objects.js';
import { findAll, findOne, render, releaseNamespace, schemaProblem, schemaProblems, type Manifest } from './render.js';
import { renderScenarios, scenarios } from './scenarios.js';

const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string };
const clusterScoped = new Set(['ClusterRole', 'ClusterRoleBinding']);

const { manifestsFor, helm } = renderScenarios('all');

describe.each(scenarios.map((s) => s.name))('chart rendered with %s', (name) => {
  it('produces only objects that validate against the Kubernetes schemas', async () => {
    expect(await schemaProblems(manifestsFor(name))).toEqual([]);
  });

  it('puts every namespaced object in the release namespace', () => {
    for (const m of manifestsFor(name).filter((m) => !clusterScoped.has(m.kind) && m.kind !== 'ServiceMonitor')) {
      expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe(releaseNamespace);
    }
  });

  it('serves DNS on Service port 53 over UDP and TCP, forwarded to the container DNS port', () => {
    const manifests = manifestsFor(name);
    const container = svcdnsContainer(manifests);
    const udp = containerPort(container, 'dns');
    const tcp = containerPort(container, 'dns-tcp');
    expect(udp.protocol).toBe('UDP');
    expect(tcp.protocol).toBe('TCP');
    expect(tcp.port).toBe(udp.port);
    const ports = dnsService(manifests).spec?.ports ?? [];
    const dnsPorts = ports.filter((p) => p.port === 53).map((p) => ({ protocol: p.protocol, targetPort: p.targetPort }));
    expect(dnsPorts).toEqual([
      { protocol: 'UDP', targetPort: udp.port },
      { protocol: 'TCP', targetPort: udp.port },
    ]);
  });

  it('passes the listen and admin addresses that match the container ports', () => {
    const container = svcdnsContainer(manifestsFor(name));
    const dns = containerPort(container, 'dns').port;
    const admin = containerPort(container, 'admin').port;
    expect(container.args?.slice(0, 2)).toEqual(['--no-memory-reducer', '/app/dist/main.js']);
    expect(container.args).toEqual(
      expect.arrayContaining([`--listen=0.0.0.0:${dns}`, `--listen=[::]:${dns}`, `--admin=0.0.0.0:${admin}`, '--pod-ip=$(POD_IP)']),
    );
    const podIp = container.env?.find((e) => e.name === 'POD_IP');
    expect(podIp?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
  });

  it('probes liveness on /health and readiness on /ready at the admin port', () => {
    const container = svcdnsContainer(manifestsFor(name));
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'admin' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'admin' });
    expect(containerPort(container, 'admin')).toEqual({ port: 8080, protocol: 'TCP' });
  });

  it('runs restricted: uid/gid 65532, non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    const manifests = manifestsFor(name);
    const pod = workload(manifests).template.spec;
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const container = svcdnsContainer(manifests);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65532,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext?.capabilities?.add).toBeUndefined();
    expect(container.securityContext?.privileged).toBeUndefined();
  });

  it('grants the service account only list and watch, on named resources only', () => {
    const manifests = manifestsFor(name);
    const { verbs } = grants(manifests);
    expect(verbs.length).toBeGreaterThan(0);
    for (const v of verbs) expect(v).toEqual(['list', 'watch']);
    for (const rule of findOne<IClusterRole>(manifests, 'ClusterRole').rules ?? []) {
      expect(rule.resources?.length).toBeGreaterThan(0);
      expect(rule.resources).not.toContain('*');
      expect(rule.nonResourceURLs).toBeUndefined();
    }
  });

  it('resolves through the node (dnsPolicy Default), never through itself', () => {
    expect(workload(manifestsFor(name)).template.spec?.dnsPolicy).toBe('Default');
  });

  it('mounts the ConfigMap read-only as a directory and points --config at it', () => {
    const manifests = manifestsFor(name);
    const container = svcdnsContainer(manifests);
    const mount = container.volumeMounts?.find((m) => m.mountPath === '/etc/svcdns');
    expect(mount).toMatchObject({ name: 'config', readOnly: true });
    expect(mount?.subPath).toBeUndefined();
    const volume = workload(manifests).template.spec?.volumes?.find((v) => v.name === 'config');
    const configMap = manifests.find((m) => m.kind === 'ConfigMap');
    expect(volume?.configMap?.name).toBe(configMap?.metadata.name);
    expect(container.args).toContain('--config=/etc/svcdns/config.yaml');
  });

  it('annotates the pods with the hash of the config file', () => {
    const manifests = manifestsFor(name);
    const annotation = workload(manifests).template.metadata?.annotations?.['checksum/config'];
    const text = configFile(manifests).text.replace(/\n$/, '');
    expect(annotation).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('gives the pod a termination grace period longer than the lame-duck period', () => {
    const manifests = manifestsFor(name);
    const lameduck = durationSeconds(configFile(manifests).values.lameduck);
    expect(lameduck).toBeGreaterThan(0);
    expect(workload(manifests).template.spec?.terminationGracePeriodSeconds).toBeGreaterThan(lameduck);
  });

  it('runs the chart appVersion image and requests CPU and memory with a memory limit', () => {
    const container = svcdnsContainer(manifestsFor(name));
    expect(container.image).toBe(`ghcr.io/svcdns/svcdns:${chart.appVersion}`);
    expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources?.limits?.memory).toEqual(expect.any(String));
  });
});

describe('the schema check itself', () => {
  const deployment = (): Manifest => structuredClone(findAll(manifestsFor('default values'), 'Deployment')[0] as Manifest);

  it('reports a field of the wrong type', async () => {
    const broken = deployment();
    (broken.spec as { replicas: unknown }).replicas = 'two';
    expect(await schemaProblem(broken)).toMatch(/replicas/);
  });

  it('reports a missing required field', async () => {
    const broken = deployment();
    delete (broken.spec as { selector?: unknown }).selector;
    expect(await schemaProblem(broken)).toMatch(/selector/);
  });

  it('reports an API version the chart must not emit, even one kubernetes-models still models', async () => {
    const old = { ...deployment(), apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler' };
    expect(await schemaProblem(old)).toMatch(/API version not allowed/);
  });
});

describe('config changes', () => {
  it('change the checksum/config annotation, so an upgrade rolls the pods', async () => {
    const before = workload(manifestsFor('default values')).template.metadata?.annotations?.['checksum/config'];
    const after = workload(await render(helm(), { values: { config: { ttl: 30 } } })).template.metadata?.annotations?.['checksum/config'];
    expect(after).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });
});

describe('ConfigMap', () => {
  it('carries the config values with the flag names the server reads', () => {
    expect(configFile(manifestsFor('default values')).values).toEqual({
      zone: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'],
      ttl: 5,
      pods: 'insecure',
      startupTimeout: '5s',
      lameduck: '5s',
      logLevel: 'info',
    });
  });
});
