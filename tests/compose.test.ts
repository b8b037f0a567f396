// There is no Docker engine on our machines, so this checks docker-compose.yml, the Dockerfile and the
// compose config against the repository: every command, health check, mount and port must line up.
import { describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@station/config';
import { parse } from 'yaml';

const REPO = join(import.meta.dir, '..');
const compose = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
interface Service {
  command: string[];
  volumes: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  restart?: string;
  depends_on?: Record<string, unknown>;
}
const CONFIG_IN_CONTAINER = '/etc/station/station.yaml';
const composeConfigText = readFileSync(join(REPO, 'config/station.compose.yaml'), 'utf8');

/** The compose config as the containers see it, with its container paths mapped onto this checkout. */
function loadComposeConfig() {
  const data = mkdtempSync(join(tmpdir(), 'compose-data-'));
  try {
    const text = composeConfigText
      .replaceAll('/app/sequences', join(REPO, 'sequences'))
      .replaceAll('/data', data);
    return { config: parseConfig(text, join(REPO, 'config/station.compose.yaml'), {}), data };
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

describe('docker-compose.yml', () => {
  test('runs exactly the station services, each from an entry file that exists', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api-gateway',
      'batch-supervisor',
      'broker',
      'sync-agent',
    ]);
    for (const [name, svc] of Object.entries(compose.services)) {
      const [bun, entry, ...args] = svc.command;
      expect(bun).toBe('bun');
      expect(entry).toBe(`apps/${name}/src/main.ts`);
      expect(existsSync(join(REPO, entry!))).toBe(true);
      expect(args.slice(0, 2)).toEqual(['--config', CONFIG_IN_CONTAINER]);
    }
  });

  test('every service has a health check that runs an existing script for itself, a restart policy and a grace period', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      const [, bun, script, target, ...rest] = svc.healthcheck?.test ?? [];
      expect([bun, target, ...rest]).toEqual(['bun', name, '--config', CONFIG_IN_CONTAINER]);
      expect(existsSync(join(REPO, script!))).toBe(true);
      expect(svc.restart).toBe('unless-stopped');
      expect(svc.stop_grace_period).toMatch(/^\d+s$/);
    }
    // The supervisor needs the longest: it aborts sequences and runs their cleanup before it exits.
    const grace = (s: string) => Number.parseInt(compose.services[s]!.stop_grace_period!, 10);
    expect(grace('batch-supervisor')).toBeGreaterThanOrEqual(Math.max(grace('broker'), grace('api-gateway')));
  });

  test('mounts line up with the compose config: config file, data volume, sequences', () => {
    const { config, data } = loadComposeConfig();
    expect(Object.keys(compose.volumes)).toEqual(['station-data']);
    for (const svc of Object.values(compose.services)) {
      expect(svc.volumes).toContain('station-data:/data');
      expect(svc.volumes).toContain(`./config/station.compose.yaml:${CONFIG_IN_CONTAINER}:ro`);
      expect(svc.volumes).toContain('./sequences:/app/sequences:ro');
    }
    expect(config.paths.data_dir).toBe(data);
    expect(config.paths.sequences_dir).toBe(join(REPO, 'sequences'));
    // The broker's sockets are on the shared volume, so every container reaches them.
    for (const endpoint of Object.values(config.ipc))
      expect(endpoint.startsWith(`ipc://${data}/`)).toBe(true);
  });

  test('only the gateway publishes a port: the configured one, on the host loopback only', () => {
    const { config } = loadComposeConfig();
    expect(compose.services['api-gateway']!.ports).toEqual([
      `127.0.0.1:${config.server.port}:${config.server.port}`,
    ]);
    for (const [name, svc] of Object.entries(compose.services))
      if (name !== 'api-gateway') expect(svc.ports).toBeUndefined();
  });

  test('the Dockerfile builds on the official Bun image of the version we pin', () => {
    const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(dockerfile).toContain(`FROM oven/bun:${pkg.devDependencies.bun}`);
    expect(dockerfile).toContain('bun install --production');
  });
});
