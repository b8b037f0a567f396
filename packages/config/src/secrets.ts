// The secrets a station holds, derived from its configuration and environment: what every process scrubs
// from text it lets out (logs, error replies, the store's error columns) and what runners are never given.
import { envReferences } from './redact.ts';
import { isSecretPointer, SECRET_NAME } from './report.ts';
import type { StationConfig } from './schema.ts';
import type { Env } from './substitute.ts';
import { pointerSegment } from './tree.ts';

/** The variable through which a supervisor tells its runner which referenced variables it withheld. */
export const WITHHELD_ENV = 'STATION_WITHHELD_ENV';

/** What a withheld variable reads as in a runner's copy of the config (a runner never uses those fields). */
export const WITHHELD = '[withheld]';

/** Fields inside a secret section that are labels, not secrets (an API key's role and name). */
const LABEL_POINTER = /^\/server\/auth\/api_keys\/\d+\/(role|name)$/;

/** Whether an environment variable's name says it holds a secret (`STATION_BACKEND_API_KEY`, `*_TOKEN`). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Variables the config references that are secrets: substituted into a secret field (`backend.api_key`,
 * `server.auth.api_keys`, an option named like `password`), named like a secret themselves, or named by
 * `security.curve.secret_key_env`.
 */
export function secretVariables(config: StationConfig): Set<string> {
  const out = new Set<string>();
  for (const [pointer, names] of envReferences(config)) {
    for (const name of names) if (isSecretPointer(pointer) || isSecretName(name)) out.add(name);
  }
  // The variable holding this machine's CURVE secret key, whatever it is called.
  const curveSecret = config.security?.curve?.secret_key_env;
  if (curveSecret !== undefined) out.add(curveSecret);
  return out;
}

/**
 * Every secret value the station holds: strings in secret fields of the config, the password of
 * `backend.url`, and the value of every secret variable (referenced by the config or merely present in the
 * environment, as `STATION_JWT_SECRET` may be). Empty strings are left out.
 * @example holdSecrets(secretValues(config, process.env))
 */
export function secretValues(config: StationConfig, env: Env): string[] {
  const out = new Set<string>();
  const visit = (value: unknown, pointer: string): void => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) visit(v, `${pointer}/${i}`);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, `${pointer}/${pointerSegment(k)}`);
    } else if (typeof value === 'string' && isSecretPointer(pointer) && !LABEL_POINTER.test(pointer)) {
      out.add(value);
    }
  };
  visit(config, '');
  const password = urlPassword(config.backend.url);
  if (password) out.add(password);
  const names = secretVariables(config);
  for (const name of Object.keys(env)) if (isSecretName(name)) names.add(name);
  for (const name of names) {
    const value = env[name];
    if (value) out.add(value);
  }
  out.delete('');
  out.delete(WITHHELD);
  return [...out];
}

function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The environment a runner loads station.yaml with: its own, plus the placeholder for every variable its
 * supervisor withheld (listed in `STATION_WITHHELD_ENV`), so the file still parses without the secret.
 * @example runService('runner-b1', start, { env: withWithheld(process.env) })
 */
export function withWithheld(env: Env): Env {
  const names = (env[WITHHELD_ENV] ?? '').split(',').filter((n) => n !== '');
  const out: Env = { ...env };
  for (const name of names) if (out[name] === undefined) out[name] = WITHHELD;
  return out;
}

/**
 * Removes from `env` every secret variable a runner was handed only so that its own section of station.yaml
 * could be read (an instrument password in its hardware, a token in its parameters). Called once the file
 * is loaded and before any sequence code is imported: the values live on in the loaded config, where the
 * drivers and parameters that need them get them, but `process.env` of a step no longer holds them.
 * Variables that `runner_env` or the batch's `env` name stay: the file asked for those to be visible.
 * @example dropSecretEnv(config, batch, process.env)
 */
export function dropSecretEnv(
  config: StationConfig,
  batch: { env?: Record<string, string> },
  env: Env,
): string[] {
  const allowed = new Set([...Object.keys(config.runner_env ?? {}), ...Object.keys(batch.env ?? {})]);
  const names = secretVariables(config);
  for (const name of Object.keys(env)) if (isSecretName(name)) names.add(name);
  const dropped: string[] = [];
  for (const name of names) {
    if (allowed.has(name) || env[name] === undefined) continue;
    delete env[name];
    dropped.push(name);
  }
  return dropped.sort();
}
