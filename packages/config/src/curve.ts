// CURVE keys named by `security.curve` (docs/configuration.md "Keys"): read from key files or the
// environment when a process starts, never from station.yaml itself. The station's broker gets server
// options whose `authorize` reads `authorized_keys_dir` on every new connection (adding or removing a
// host's key file takes effect without a restart); a batch host's parties get client options.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CurveClientOptions, CurveServerOptions } from '@station/zmtp';
import { ZmtpError } from '@station/zmtp/errors';
import { keyText, parseKeyFile } from '@station/zmtp/keys';
import type { CurveConfig, StationConfig } from './schema.ts';
import type { Env } from './substitute.ts';

type KeyName = 'public_key' | 'secret_key' | 'server_key';

/** The Z85 key of `name` from its file or variable; undefined when neither is set. Throws BAD_KEY. */
function readKey(curve: CurveConfig, name: KeyName, env: Env): string | undefined {
  const field = `security.curve.${name}`;
  const file = curve[`${name}_file`];
  const variable = curve[`${name}_env`];
  const inline = name === 'secret_key' ? undefined : curve[name];
  let text: string;
  let where: string;
  if (file !== undefined) {
    where = `${field}_file (${file})`;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ZmtpError('BAD_KEY', `${where} cannot be read: ${(error as Error).message}`, {
        cause: error,
      });
    }
  } else if (variable !== undefined) {
    where = `${field}_env ($${variable})`;
    const value = env[variable];
    if (value === undefined || value.trim() === '') throw new ZmtpError('BAD_KEY', `${where} is not set`);
    text = value;
  } else if (typeof inline === 'string') {
    return keyText(inline, field);
  } else {
    return undefined;
  }
  // A bare 40-character key is the key itself: for secret_key_* the secret one.
  if (name === 'secret_key' && text.trim().length === 40) return keyText(text.trim(), where);
  const content = parseKeyFile(text, where);
  if (name !== 'secret_key') return content.publicKey;
  if (content.secretKey === undefined) throw new ZmtpError('BAD_KEY', `${where} holds no secret-key`);
  return content.secretKey;
}

/** This machine's key pair (and the station's public key when configured). Throws BAD_KEY naming the field. */
export function curveKeys(
  curve: CurveConfig,
  env: Env = process.env,
): { publicKey: string; secretKey: string; serverKey: string | undefined } {
  const secretKey = readKey(curve, 'secret_key', env);
  if (secretKey === undefined) {
    throw new ZmtpError('BAD_KEY', 'security.curve needs secret_key_file or secret_key_env');
  }
  const publicKey = readKey(curve, 'public_key', env);
  const derived = parseKeyFile(`curve\n    secret-key = "${secretKey}"\n`).publicKey;
  if (publicKey !== undefined && publicKey !== derived) {
    throw new ZmtpError('BAD_KEY', 'security.curve: the public key does not belong to the secret key');
  }
  return { publicKey: derived, secretKey, serverKey: readKey(curve, 'server_key', env) };
}

/** The public keys (Z85) in the `*.key` files of `dir`; files that are not keys are skipped. */
export function authorizedKeys(dir: string): Set<string> {
  const keys = new Set<string>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.key')) continue;
    try {
      const path = join(dir, name);
      if (!statSync(path).isFile()) continue;
      keys.add(parseKeyFile(readFileSync(path, 'utf8'), path).publicKey);
    } catch {
      // An unreadable or broken file authorizes nobody; `station validate` names it.
    }
  }
  return keys;
}

/**
 * Server options for the broker's `remote` endpoints, or undefined when `security.curve` is absent.
 * @example Broker.start({ ..., remote: { ..., curve: curveServer(config)! } })
 */
export function curveServer(config: StationConfig, env: Env = process.env): CurveServerOptions | undefined {
  const curve = config.security.curve;
  if (curve === undefined) return undefined;
  const { publicKey, secretKey } = curveKeys(curve, env);
  const dir = curve.authorized_keys_dir;
  return {
    server: true,
    publicKey,
    secretKey,
    authorize: (clientKey) => dir !== undefined && authorizedKeys(dir).has(clientKey),
  };
}

/**
 * Client options for a bus party connecting to the station broker over tcp (a batch host and its
 * runners), or undefined when `security.curve` is absent or names no server key, or the bus endpoints
 * are local unix sockets.
 * @example new BusClient({ endpoint: config.ipc.service_bus, curve: curveClient(config) })
 */
export function curveClient(config: StationConfig, env: Env = process.env): CurveClientOptions | undefined {
  const curve = config.security.curve;
  // The station's own processes reach the broker on its local (NULL) unix sockets.
  if (curve === undefined || config.ipc.service_bus.startsWith('ipc://')) return undefined;
  const { publicKey, secretKey, serverKey } = curveKeys(curve, env);
  if (serverKey === undefined) return undefined;
  return { serverKey, publicKey, secretKey };
}
