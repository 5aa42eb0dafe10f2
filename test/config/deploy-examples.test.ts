import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { checkConfigCommand } from '../../src/cli/check-config-command.js';
import { loadConfigFile } from '../../src/config/load-config.js';

/** The deploy/ folder an operator copies: its config is valid, and its manifest and unit agree with that config. */
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const CONFIG_FILE = `${DEPLOY}switchyard.production.yaml`;
const ENV = {
  SWITCHYARD_API_KEY: 'sk-gateway-test',
  SWITCHYARD_ADMIN_KEY: 'sk-admin-test',
  REDIS_URL: 'redis://:secret@redis:6379/0',
  DATABASE_URL: 'postgres://switchyard:secret@postgres:5432/switchyard',
  OPENAI_API_KEY: 'sk-test',
  ANTHROPIC_API_KEY: 'sk-ant-test',
};
/**
 * After `shutdown_grace_ms`, the most a drain takes to end: 1 s for cut requests to end, 5 s for their
 * traces to settle and 1 s to close the connections (src/server/server-drain.ts), then up to 5 s to
 * flush the trace store. An orchestrator's stop timeout shorter than grace + this may SIGKILL a flush.
 */
const AFTER_GRACE_MS = 12_000;

type Io = { out: string[]; err: string[] };
function checkConfig(env: Record<string, string>): { code: number } & Io {
  const io: Io = { out: [], err: [] };
  const code = checkConfigCommand([CONFIG_FILE], { out: (text) => io.out.push(text), err: (text) => io.err.push(text), env, cwd: DEPLOY });
  return { code, ...io };
}

type Container = {
  args: string[];
  ports: { name: string; containerPort: number }[];
  envFrom?: { secretRef?: { name: string } }[];
  readinessProbe: { httpGet: { path: string; port: string | number } };
  livenessProbe: { httpGet: { path: string; port: string | number } };
  lifecycle: { preStop: { sleep: { seconds: number } } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  volumeMounts: { name: string; mountPath: string }[];
};
type Manifest = {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: { targetPort: string | number }[];
    template: {
      metadata: { labels: Record<string, string> };
      spec: { terminationGracePeriodSeconds: number; containers: Container[]; volumes: { name: string; configMap?: { name: string } }[] };
    };
  };
};

function manifests(): Manifest[] {
  return parseAllDocuments(readFileSync(`${DEPLOY}kubernetes.yaml`, 'utf8')).map((document) => document.toJS() as Manifest);
}
function ofKind(kind: string): Manifest {
  const found = manifests().filter((manifest) => manifest.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Manifest;
}

/** `key=value` lines of a systemd unit, every value of a key (a key may repeat). */
function unitSettings(): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of readFileSync(`${DEPLOY}switchyard.service`, 'utf8').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(match[1] as string, [...(settings.get(match[1] as string) ?? []), match[2] as string]);
  }
  return settings;
}
const seconds = (value: string | undefined): number => Number(/^(\d+)s?$/.exec(value ?? '')?.[1] ?? NaN);

describe('deploy/switchyard.production.yaml', () => {
  it('passes check-config with its secrets in the environment: keys required, Redis state, the Postgres store', () => {
    const checked = checkConfig(ENV);
    expect(checked.err).toEqual([]);
    expect(checked.code).toBe(0);
    expect(checked.out.join('\n')).toMatch(/: OK\n[\s\S]*auth: +1 API key and 1 admin key required/);
    const config = loadConfigFile(CONFIG_FILE, { env: ENV });
    expect(config.state.redis).toMatchObject({ url: ENV.REDIS_URL });
    expect(config.state.onFailure).toEqual({ rateLimits: 'open', budgets: 'closed' });
    expect(config.storage.postgres).toEqual({ url: ENV.DATABASE_URL });
  });

  it('refuses to start without them, naming each variable', () => {
    const checked = checkConfig({ OPENAI_API_KEY: 'sk-test' });
    expect(checked.code).toBe(1);
    const errors = checked.err.join('\n');
    for (const variable of ['SWITCHYARD_API_KEY', 'SWITCHYARD_ADMIN_KEY', 'REDIS_URL', 'DATABASE_URL']) expect(errors).toContain(`environment variable ${variable} is not set`);
  });
});

describe('deploy/kubernetes.yaml', () => {
  const config = loadConfigFile(CONFIG_FILE, { env: ENV });
  const deployment = ofKind('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0] as Container;

  it('holds the production config verbatim in its ConfigMap, mounted where serve reads it', () => {
    const configMap = ofKind('ConfigMap');
    expect(configMap.data?.['switchyard.yaml']).toBe(readFileSync(CONFIG_FILE, 'utf8'));
    const volume = pod.volumes.find((entry) => entry.configMap?.name === configMap.metadata.name);
    const mount = container.volumeMounts.find((entry) => entry.name === volume?.name);
    expect(container.args).toEqual(['serve', '--config', `${mount?.mountPath}/switchyard.yaml`]);
    // The one writable directory holds what the config writes locally.
    expect(container.volumeMounts.map((entry) => entry.mountPath)).toContain(dirname(config.storage.path));
  });

  it('runs 3 replicas probed on /healthz at the port the config listens on, behind a Service', () => {
    expect(deployment.spec.replicas).toBe(3);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/healthz');
      const port = container.ports.find((entry) => entry.name === probe.httpGet.port || entry.containerPort === probe.httpGet.port);
      expect(port?.containerPort).toBe(config.server.port);
    }
    const service = ofKind('Service');
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(container.ports.map((entry) => entry.name)).toContain(service.spec.ports?.[0]?.targetPort);
    expect(container.envFrom?.[0]?.secretRef?.name).toBe('switchyard-secrets');
    expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources.limits).sort()).toEqual(['cpu', 'memory']);
  });

  it('gives the drain its whole grace: the termination grace is above preStop + shutdown_grace_ms + the flush', () => {
    const preStopMs = container.lifecycle.preStop.sleep.seconds * 1000;
    expect(preStopMs).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopMs + config.server.shutdownGraceMs + AFTER_GRACE_MS);
  });
});

describe('deploy/switchyard.service', () => {
  const config = loadConfigFile(CONFIG_FILE, { env: ENV });
  const unit = unitSettings();
  const one = (key: string): string | undefined => unit.get(key)?.at(-1);

  it('stops with SIGTERM and waits out the drain, reloads with SIGHUP, restarts on failure', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(seconds(one('TimeoutStopSec')) * 1000).toBeGreaterThan(config.server.shutdownGraceMs + AFTER_GRACE_MS);
    expect(one('ExecReload')).toMatch(/kill -HUP \$MAINPID$/);
    expect(one('Restart')).toBe('on-failure');
    expect(one('ExecStart')).toMatch(/ serve --config \/etc\/switchyard\/switchyard\.yaml$/);
  });

  it('runs hardened as its own user, writing only its state directory', () => {
    expect(one('User')).toBe('switchyard');
    expect(one('NoNewPrivileges')).toBe('true');
    expect(one('ProtectSystem')).toBe('strict');
    expect(unit.get('ReadWritePaths')).toEqual([dirname(config.storage.path)]);
    expect(one('WorkingDirectory')).toBe(dirname(config.storage.path));
    // Node's JIT writes executable memory: this setting would kill it at start.
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
  });
});
