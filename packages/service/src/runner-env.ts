// The environment of a runner process. Sequence code runs inside the runner and can read all of it, so it
// starts empty: only what a Bun process needs to run, the variables the runner's own copy of station.yaml
// needs, and what the file allows in `runner_env` / `batches[].env`. Secrets (the Backend key, API keys,
// STATION_JWT_SECRET, anything named like one) are never passed unless that batch's own section uses them.
import {
  type BatchConfig,
  envReferences,
  isSecretName,
  type StationConfig,
  secretVariables,
  WITHHELD_ENV,
} from '@station/config';

type Env = Record<string, string | undefined>;

/** What any process needs: where programs and home are, time zone and locale, temp files, Bun's cache. */
const BASE = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TZ',
  'LANG',
  'LANGUAGE',
  'TMPDIR',
  'TMP',
  'TEMP',
  'XDG_CACHE_HOME',
  'BUN_INSTALL',
  'BUN_RUNTIME_TRANSPILER_CACHE_PATH',
  'NO_COLOR',
  'FORCE_COLOR',
  // The launcher asks for readable lines on a terminal; the runner's logger honours it too.
  'STATION_LOG_PRETTY',
];

/**
 * Builds the environment of `batch`'s runner from the supervisor's own environment `env`.
 * @example Bun.spawn(cmd, { env: runnerEnv(config, batch, process.env) })
 */
export function runnerEnv(config: StationConfig, batch: BatchConfig, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  const pass = (name: string) => {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  };
  for (const name of BASE) pass(name);
  for (const name of Object.keys(env)) if (name.startsWith('LC_') && !isSecretName(name)) pass(name);

  // The runner reads the same station.yaml: it gets the variables the file references, except secrets
  // that only other sections use; those it reads as a placeholder (withWithheld).
  const index = config.batches.findIndex((b) => b.id === batch.id);
  const own = `/batches/${index}/`;
  const secrets = secretVariables(config);
  const withheld = new Set<string>();
  for (const [pointer, names] of envReferences(config)) {
    for (const name of names) {
      if (secrets.has(name) && !pointer.startsWith(own)) withheld.add(name);
      else pass(name);
    }
  }
  for (const name of Object.keys(out)) withheld.delete(name);

  Object.assign(out, config.runner_env, batch.env);
  for (const name of Object.keys(out)) withheld.delete(name);
  if (withheld.size > 0) out[WITHHELD_ENV] = [...withheld].sort().join(',');
  return out;
}
