// Rules the schema cannot express: unique batch ids, no open bind without auth, auth with keys, a readable
// sequences folder, sane backoff bounds, usable socket paths. They run even when the schema found problems
// (guarding every field's type) so that one pass reports everything.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { isValidPackageName, PACKAGE_NAME_RULE } from '@station/sequence/names';
import { parseDuration } from '@station/time';
import { ZmtpError } from '@station/zmtp/errors';
import { parseKeyFile } from '@station/zmtp/keys';
import type { IssueList } from './report.ts';
import { defaultEndpoints, resolveDir, resolveEndpoint } from './resolve.ts';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Loopback names and addresses: binding there keeps the API on this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h.endsWith('.localhost')) return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

// sun_path is 108 bytes on Linux and 104 on macOS, both including the terminating NUL.
const MAX_SOCKET_PATH = process.platform === 'linux' ? 107 : 103;

/** Adds an issue for every rule `value` (already defaulted) breaks; `configDir` resolves relative paths. */
export function addSemanticIssues(value: unknown, configDir: string, issues: IssueList): void {
  const root = obj(value);
  checkBatches(root.batches, issues);
  checkHosts(root.hosts, root.batches, obj(root.ipc), root.remote !== undefined, issues);
  checkServer(obj(root.server), issues);
  checkBounds(obj(root.backend), '/backend', 'retry_base', 'retry_cap', issues);
  checkStorage(obj(root.storage), issues);
  const paths = obj(root.paths);
  checkSequencesDir(paths.sequences_dir, configDir, issues);
  checkEndpoints(obj(root.ipc), text(paths.data_dir), configDir, issues);
  checkSecurity(obj(obj(root.security).curve), root.security, root.remote, configDir, issues);
}

/**
 * `security.curve`: no inline secret, one source per key, a secret key that exists, readable key files
 * (the secret one by its owner only), and a `remote` section only with keys and authorized hosts.
 */
function checkSecurity(
  curve: Obj,
  security: unknown,
  remote: unknown,
  configDir: string,
  issues: IssueList,
): void {
  const present = obj(security).curve !== undefined;
  const base = '/security/curve';
  if (curve.secret_key !== undefined) {
    issues.add(
      `${base}/secret_key`,
      'a secret key is never written in station.yaml (it would travel with every copy of the file): put it in a 0600 file (secret_key_file) or the environment (secret_key_env)',
      { atKey: true },
    );
  }
  for (const name of ['public_key', 'secret_key', 'server_key'] as const) {
    const given = [name, `${name}_file`, `${name}_env`].filter((k) => curve[k] !== undefined);
    if (given.length > 1)
      issues.add(`${base}/${given[1]}`, `give ${name} one way only, not ${given.join(' and ')}`);
  }
  if (
    present &&
    curve.secret_key === undefined &&
    curve.secret_key_file === undefined &&
    curve.secret_key_env === undefined
  ) {
    issues.add(base, "needs secret_key_file or secret_key_env (this machine's secret key)");
  }
  for (const name of ['public_key', 'secret_key', 'server_key'] as const) {
    const file = text(curve[`${name}_file`]);
    if (file !== undefined) checkKeyFile(resolveDir(configDir, file), name, `${base}/${name}_file`, issues);
  }
  const dir = text(curve.authorized_keys_dir);
  if (dir !== undefined) {
    const path = resolveDir(configDir, dir);
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {}
    if (!isDir) issues.add(`${base}/authorized_keys_dir`, `${path} is not a folder`);
  }
  if (remote !== undefined && (!present || dir === undefined)) {
    issues.add(
      '/remote',
      "the remote endpoints need security.curve with this station's keys and authorized_keys_dir (who may connect)",
    );
  }
}

function checkKeyFile(path: string, name: string, pointer: string, issues: IssueList): void {
  let content: { publicKey: string; secretKey?: string };
  try {
    content = parseKeyFile(readFileSync(path, 'utf8'), path);
  } catch (error) {
    issues.add(pointer, error instanceof ZmtpError ? error.message : `${path} cannot be read`);
    return;
  }
  if (name !== 'secret_key') return;
  if (content.secretKey === undefined)
    issues.add(pointer, `${path} holds no secret-key (is it the public file?)`);
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    issues.add(
      pointer,
      `${path} may be read by other users (mode ${mode.toString(8).padStart(4, '0')}); chmod 600 it`,
    );
  }
}

function checkBatches(batches: unknown, issues: IssueList): void {
  if (!Array.isArray(batches)) return;
  const firstIndex = new Map<string, number>();
  batches.forEach((batch, i) => {
    const b = obj(batch);
    const id = text(b.id);
    if (id !== undefined) {
      const first = firstIndex.get(id);
      if (first === undefined) firstIndex.set(id, i);
      else
        issues.add(
          `/batches/${i}/id`,
          `duplicate batch id ${JSON.stringify(id)} (already used by batches[${first}])`,
        );
    }
    for (const name of Object.keys(obj(b.hardware))) {
      // A hardware name is a key of the package's manifest, which names it by the package-name rule.
      if (!isValidPackageName(name)) {
        const pointer = `/batches/${i}/hardware/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        issues.add(pointer, `hardware names may use only ${PACKAGE_NAME_RULE}`, { atKey: true });
      }
    }
    checkBounds(obj(b.restart), `/batches/${i}/restart`, 'backoff_base', 'backoff_cap', issues);
  });
}

/**
 * Batch hosts: unique names, every `batches[].host` names one of them, and a station with a remote batch
 * has its broker on tcp:// (a runner on another machine cannot reach a unix socket).
 */
function checkHosts(hosts: unknown, batches: unknown, ipc: Obj, hasRemote: boolean, issues: IssueList): void {
  const names = new Map<string, number>();
  (Array.isArray(hosts) ? hosts : []).forEach((host, i) => {
    const name = text(obj(host).name);
    if (name === undefined) return;
    const first = names.get(name);
    if (first === undefined) names.set(name, i);
    else
      issues.add(
        `/hosts/${i}/name`,
        `duplicate host name ${JSON.stringify(name)} (already used by hosts[${first}])`,
      );
  });
  let remote: number | undefined;
  (Array.isArray(batches) ? batches : []).forEach((batch, i) => {
    const host = text(obj(batch).host);
    if (host === undefined) return;
    remote ??= i;
    if (!names.has(host)) {
      const known = names.size > 0 ? `hosts: ${[...names.keys()].join(', ')}` : 'no hosts are listed';
      issues.add(`/batches/${i}/host`, `unknown host ${JSON.stringify(host)} (${known})`);
    }
  });
  // With `remote` the broker listens for batch hosts there (CURVE); else the ipc endpoints must be tcp.
  if (remote === undefined || hasRemote) return;
  for (const key of ['service_bus', 'event_pub'] as const) {
    const endpoint = text(ipc[key]);
    if (endpoint?.startsWith('tcp://')) continue;
    issues.add(
      endpoint === undefined ? '/ipc' : `/ipc/${key}`,
      `batches[${remote}] runs on another host, so the broker must be reachable over tcp://: set remote (with CURVE), or ipc.${key} to a tcp:// endpoint the host can reach (it is ${endpoint ?? 'a unix socket by default'})`,
    );
  }
}

/** The warning must come before the refusal, or the operator's first sign of a full disk is a 503. */
function checkStorage(storage: Obj, issues: IssueList): void {
  const { min_free_mb: min, warn_free_mb: warn } = storage;
  if (typeof min === 'number' && typeof warn === 'number' && warn < min) {
    issues.add('/storage/warn_free_mb', `must not be below storage.min_free_mb (${min})`);
  }
}

function checkServer(server: Obj, issues: IssueList): void {
  const auth = obj(server.auth);
  const host = text(server.host);
  if (
    host !== undefined &&
    !isLoopback(host) &&
    auth.enabled !== true &&
    server.allow_insecure_bind !== true
  ) {
    issues.add(
      '/server/host',
      `refusing to listen on ${issues.describe('/server/host', host)} without authentication: ` +
        'enable server.auth (with api_keys) or set server.allow_insecure_bind: true',
    );
  }
  checkAuth(auth, issues);
}

/** Shortest HS256 secret accepted: as long as the hash (RFC 7518 §3.2). */
const MIN_JWT_SECRET_BYTES = 32;

function checkAuth(auth: Obj, issues: IssueList): void {
  const keys = Array.isArray(auth.api_keys) ? auth.api_keys : [];
  const users = Array.isArray(auth.users) ? auth.users : [];
  const jwt = auth.type === 'jwt';
  if (auth.enabled === true && !jwt && keys.length === 0) {
    issues.add(
      '/server/auth/api_keys',
      'server.auth.enabled is true but no api_keys are listed; every request would be refused',
    );
  }
  if (jwt) {
    const secret = text(auth.jwt_secret);
    if (secret === undefined || Buffer.byteLength(secret) < MIN_JWT_SECRET_BYTES) {
      issues.add(
        '/server/auth/jwt_secret',
        `server.auth.type jwt needs jwt_secret of at least ${MIN_JWT_SECRET_BYTES} bytes (e.g. \${STATION_JWT_SECRET}, from \`openssl rand -base64 48\`)`,
      );
    }
  } else if (users.length > 0) {
    issues.add('/server/auth/users', 'users sign in with tokens: set server.auth.type: jwt (and jwt_secret)');
  }
  const seen = new Set<string>();
  users.forEach((u, i) => {
    const name = text(obj(u).name);
    if (name === undefined) return;
    if (seen.has(name)) issues.add(`/server/auth/users/${i}/name`, `user "${name}" is listed twice`);
    seen.add(name);
  });
}

function checkBounds(section: Obj, pointer: string, base: string, cap: string, issues: IssueList): void {
  const b = section[base];
  const c = section[cap];
  if ((typeof b !== 'number' && typeof b !== 'string') || (typeof c !== 'number' && typeof c !== 'string'))
    return;
  const baseMs = parseDuration(b);
  const capMs = parseDuration(c);
  if (baseMs !== undefined && capMs !== undefined && baseMs > capMs) {
    issues.add(`${pointer}/${cap}`, `${cap} (${capMs} ms) must not be smaller than ${base} (${baseMs} ms)`);
  }
}

function checkSequencesDir(dir: unknown, configDir: string, issues: IssueList): void {
  const written = text(dir);
  if (written === undefined) return;
  const pointer = '/paths/sequences_dir';
  const abs = resolveDir(configDir, written);
  // Shown as the absolute path (the operator sees where it looked) unless it came from a secret.
  const shown = issues.origin(pointer)?.fromEnv ? issues.describe(pointer, written) : abs;
  try {
    if (!statSync(abs).isDirectory()) {
      issues.add(pointer, `sequences folder ${shown} is not a folder`);
      return;
    }
    accessSync(abs, constants.R_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`;
    issues.add(pointer, `sequences folder ${shown} ${why}`);
  }
}

function checkEndpoints(ipc: Obj, dataDir: string | undefined, configDir: string, issues: IssueList): void {
  if (dataDir === undefined) return;
  const defaults = defaultEndpoints(resolveDir(configDir, dataDir));
  const seen = new Map<string, string>();
  for (const key of ['service_bus', 'event_pub', 'event_sub'] as const) {
    const written = text(ipc[key]);
    const endpoint = written === undefined ? defaults[key] : resolveEndpoint(configDir, written);
    const pointer = `/ipc/${key}`;
    const other = seen.get(endpoint);
    if (other !== undefined) issues.add(pointer, `same endpoint as ipc.${other}; each bus needs its own`);
    seen.set(endpoint, key);
    const socketPath = endpoint.startsWith('ipc://') ? endpoint.slice('ipc://'.length) : undefined;
    if (socketPath !== undefined && Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      const because =
        written === undefined ? ' (derived from paths.data_dir; set ipc endpoints explicitly)' : '';
      issues.add(
        pointer,
        `unix socket path is ${Buffer.byteLength(socketPath)} bytes, longer than the system limit of ${MAX_SOCKET_PATH}${because}`,
      );
    }
  }
}
