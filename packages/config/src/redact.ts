// A copy of the loaded config that is safe to log: API keys, secret-looking options and every value that
// came from an environment variable are replaced.
import { isSecretPointer } from './report.ts';
import type { StationConfig } from './schema.ts';
import { pointerSegment } from './tree.ts';

/** What replaces a secret in `redactConfig`'s output. */
export const REDACTED = '[redacted]';

const envPointers = new WeakMap<object, ReadonlyMap<string, readonly string[]>>();

/**
 * Records which fields of a loaded config were substituted from the environment, and from which variables
 * (parse.ts calls this).
 */
export function rememberEnvPointers(
  config: StationConfig,
  pointers: Iterable<[pointer: string, variables: readonly string[]]>,
): void {
  envPointers.set(config, new Map(pointers));
}

/**
 * The `${VAR}` references of a loaded config: JSON pointer of the value -> variables substituted into it.
 * @example envReferences(config).get('/backend/api_key') // ['STATION_BACKEND_API_KEY']
 */
export function envReferences(config: StationConfig): ReadonlyMap<string, readonly string[]> {
  return envPointers.get(config) ?? new Map();
}

/**
 * Returns a deep copy of `config` with every secret replaced by `[redacted]`, for logging the effective
 * configuration at start-up.
 * @example log.info({ config: redactConfig(config), source }, 'configuration loaded')
 */
export function redactConfig(config: StationConfig): StationConfig {
  const fromEnv = envReferences(config);
  const visit = (value: unknown, pointer: string): unknown => {
    const secret = fromEnv.has(pointer) || isSecretPointer(pointer);
    if (Array.isArray(value)) return value.map((v, i) => visit(v, `${pointer}/${i}`));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, `${pointer}/${pointerSegment(k)}`);
      return out;
    }
    if (secret && value !== undefined) return REDACTED;
    if (pointer === '/backend/url' && typeof value === 'string') return hideUrlPassword(value);
    return value;
  };
  return visit(config, '') as StationConfig;
}

/** `https://user:pw@host/` -> `https://user:[redacted]@host/`; credentials in a URL are still credentials. */
function hideUrlPassword(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = REDACTED;
    return u.toString();
  } catch {
    return url;
  }
}
