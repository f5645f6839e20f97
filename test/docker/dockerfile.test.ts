// The Dockerfile (no Docker engine here, so it is linted and checked rather than built).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IMAGE_MALLOC_ARENA_MAX, IMAGE_NODE_ARGS, IMAGE_NODE_OPTIONS } from '../../bench/lib/servers.js';
import { execForm, ignoredByDockerignore, imageTag, parseInstructions, parseStages, type Stage } from './dockerfile.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
const dockerignore = readFileSync(`${root}.dockerignore`, 'utf8').split('\n');
const stages = parseStages(dockerfile);
const runtime = stages.at(-1) as Stage;

function stage(name: string): Stage {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage named ${name}`);
  return found;
}

function args(s: Stage, keyword: string): string[] {
  return s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** COPY sources taken from the build context (not from another stage). */
function contextSources(s: Stage): string[] {
  return args(s, 'COPY')
    .filter((a) => !a.startsWith('--from'))
    .flatMap((a) => a.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));
}

describe('Dockerfile lint (dockerfile-utils)', () => {
  it('reports no errors or warnings', () => {
    const diagnostics = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(diagnostics).toEqual([]);
  });

  it('does flag a broken Dockerfile, so a clean result means something', () => {
    const messages = validate('FROM node:24-bookworm-slim\nEXPOSE 1053/sctpx\nCMD [\'node\']\nRUNN true\n').map((d) => d.message);
    expect(messages.length).toBeGreaterThanOrEqual(3);
  });
});

describe('Dockerfile stages', () => {
  it('is multi-stage: build and deps stages on node:24-bookworm-slim, then the runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(stage('build').image).toBe('node:24-bookworm-slim');
    expect(stage('deps').image).toBe('node:24-bookworm-slim');
  });

  it('pins every base image to a tag that is not latest', () => {
    const stageNames = new Set(stages.map((s) => s.name));
    for (const s of stages.filter((x) => !stageNames.has(x.image))) {
      const { tag } = imageTag(s.image);
      expect(tag, s.image).not.toBe('');
      expect(tag, s.image).not.toBe('latest');
    }
    expect(dockerfile).not.toMatch(/:latest\b/);
  });

  it('installs from the lock file and compiles with npm run build in the build stage', () => {
    const runs = args(stage('build'), 'RUN');
    expect(runs.some((r) => /\bnpm (ci|install)\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBeDefined();
  });

  it('installs only production dependencies in the deps stage', () => {
    expect(args(stage('deps'), 'RUN').some((r) => /\bnpm (ci|install)\b.*--omit=dev/.test(r))).toBe(true);
  });

  it('runs on distroless Node.js 24 (Debian 12, like bookworm) as the numeric nonroot user 65532', () => {
    expect(runtime.image).toBe('gcr.io/distroless/nodejs24-debian12:nonroot');
    expect(args(runtime, 'USER')).toEqual(['65532:65532']);
  });

  it('copies the compiled code, production node_modules, package.json and examples into the runtime', () => {
    const copies = args(runtime, 'COPY');
    expect(copies).toContain('--from=build /src/dist ./dist');
    expect(copies).toContain('--from=deps /src/node_modules ./node_modules');
    expect(contextSources(runtime)).toEqual(expect.arrayContaining(['package.json', 'examples/']));
    expect(copies.some((c) => c.startsWith('--from=build') && c.includes('node_modules'))).toBe(false);
  });

  it('exposes DNS on 1053 over UDP and TCP and the admin port 8080', () => {
    const exposed = args(runtime, 'EXPOSE').flatMap((a) => a.split(/\s+/));
    expect(exposed).toEqual(expect.arrayContaining(['1053/udp', '1053/tcp']));
    expect(exposed.some((p) => p === '8080' || p === '8080/tcp')).toBe(true);
  });

  it('starts with an exec-form CMD that listens on the exposed ports on IPv4 and IPv6', () => {
    const cmds = args(runtime, 'CMD');
    expect(cmds).toHaveLength(1);
    const cmd = execForm(cmds[0] ?? '');
    expect(cmd).not.toBeNull();
    // node's own flags first (the ones NODE_OPTIONS refuses), then the program.
    expect(cmd?.slice(0, IMAGE_NODE_ARGS.length + 1)).toEqual([...IMAGE_NODE_ARGS, 'dist/main.js']);
    expect(cmd).toEqual(expect.arrayContaining(['--listen=0.0.0.0:1053', '--listen=[::]:1053', '--admin=0.0.0.0:8080']));
    expect(args(runtime, 'ENTRYPOINT')).toEqual([]);
    for (const hc of args(runtime, 'HEALTHCHECK')) expect(execForm(hc.replace(/^.*?\bCMD\s+/, ''))).not.toBeNull();
  });
});

describe('Dockerfile and chart agree', () => {
  const values = parse(readFileSync(`${root}charts/svcdns/values.yaml`, 'utf8')) as {
    ports: { dns: number; admin: number };
    podSecurityContext: { runAsUser: number; runAsGroup: number };
  };

  it('runs node with the options the benchmark and npm start use (the benchmark measures what ships)', () => {
    const env = args(runtime, 'ENV').join(' ');
    const nodeOptions = /NODE_OPTIONS=(\S+)/.exec(env)?.[1];
    expect(nodeOptions).toBe(IMAGE_NODE_OPTIONS.join(' '));
    expect(/MALLOC_ARENA_MAX=(\S+)/.exec(env)?.[1]).toBe(IMAGE_MALLOC_ARENA_MAX);
    const start = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toContain(`node ${[...IMAGE_NODE_OPTIONS, ...IMAGE_NODE_ARGS].join(' ')} dist/main.js`);
  });

  it('the chart runs the program where the image puts it, with the node flags the image gives', () => {
    const workdir = args(runtime, 'WORKDIR').at(-1);
    const program = execForm(args(runtime, 'CMD')[0] ?? '')?.[IMAGE_NODE_ARGS.length];
    const chartPod = readFileSync(`${root}charts/svcdns/templates/_pod.tpl`, 'utf8');
    // The chart's args replace the image's CMD, so they carry node's flags too.
    expect(chartPod).toContain([...IMAGE_NODE_ARGS, `${workdir}/${program}`].map((arg) => `- ${arg}`).join('\n        '));
  });

  it('the chart uses the ports and the user the image exposes', () => {
    const exposed = args(runtime, 'EXPOSE').flatMap((a) => a.split(/\s+/));
    expect(exposed).toContain(`${values.ports.dns}/udp`);
    expect(exposed).toContain(`${values.ports.dns}/tcp`);
    expect(exposed.some((p) => p.startsWith(`${values.ports.admin}`))).toBe(true);
    expect(args(runtime, 'USER')).toEqual([`${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`]);
  });
});

describe('.dockerignore', () => {
  it('keeps node_modules, dist, .git and tests out of the build context', () => {
    for (const path of ['node_modules', 'node_modules/pino/package.json', 'dist/main.js', '.git', 'test/chart/lint.test.ts', 'charts/svcdns']) {
      expect(ignoredByDockerignore(dockerignore, path), path).toBe(true);
    }
  });

  it('keeps everything the Dockerfile copies from the context', () => {
    const sources = stages.flatMap(contextSources);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'src/', 'examples/']));
    for (const source of sources) expect(ignoredByDockerignore(dockerignore, source), source).toBe(false);
  });
});

describe('Dockerfile reader', () => {
  it('joins continuation lines and skips comments inside them', () => {
    const parsed = parseInstructions('FROM a:1\nRUN one \\\n  # note\n  two\nCMD ["x"]\n');
    expect(parsed.map((i) => [i.keyword, i.args])).toEqual([
      ['FROM', 'a:1'],
      ['RUN', 'one two'],
      ['CMD', '["x"]'],
    ]);
  });

  it('reads image tags with registry ports and digests', () => {
    expect(imageTag('localhost:5000/app')).toEqual({ name: 'localhost:5000/app', tag: '' });
    expect(imageTag('gcr.io/distroless/nodejs24-debian12:nonroot').tag).toBe('nonroot');
    expect(imageTag('node@sha256:abc').tag).toBe('sha256:abc');
  });
});
