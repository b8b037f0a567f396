/**
 * CURVE keys: Curve25519 key pairs (tweetnacl), in the Z85 text form libzmq uses, and key files in the
 * text layout of libzmq's certificates (a `curve` section holding `public-key` and, for the secret file,
 * `secret-key`), so keys can be exchanged with libzmq tools.
 */
import nacl from 'tweetnacl';
import { ZmtpError } from './errors.ts';
import { z85Decode, z85Encode } from './z85.ts';

/** A CURVE key: 40 characters of Z85 text or 32 raw bytes. */
export type CurveKey = string | Uint8Array;

/** Bytes in a Curve25519 key. */
export const KEY_SIZE = 32;
/** Characters in the Z85 form of a key. */
export const KEY_TEXT_SIZE = 40;

/** A key pair in Z85 text. */
export interface CurveKeyPair {
  publicKey: string;
  secretKey: string;
}

/** What a key file holds: always the public key, the secret key only in the secret file. */
export interface KeyFileContent {
  publicKey: string;
  secretKey?: string;
}

/** The 32 bytes of `key`; throws BAD_KEY naming `what` when it is neither 32 bytes nor 40 Z85 characters. */
export function keyBytes(key: CurveKey, what: string): Uint8Array {
  if (typeof key !== 'string') {
    if (key.length !== KEY_SIZE)
      throw new ZmtpError('BAD_KEY', `${what} is ${key.length} bytes, expected 32`);
    return Uint8Array.from(key);
  }
  if (key.length !== KEY_TEXT_SIZE) {
    throw new ZmtpError('BAD_KEY', `${what} is ${key.length} characters, expected 40 of Z85`);
  }
  try {
    return z85Decode(key);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ZmtpError('BAD_KEY', `${what} is not Z85: ${detail}`, { cause: error });
  }
}

/** The Z85 text of `key` (validated). */
export function keyText(key: CurveKey, what: string): string {
  return z85Encode(keyBytes(key, what));
}

/**
 * A fresh key pair from the system's random source. Z85 has `$` and `{` among its letters, and station.yaml
 * reads `${` as the start of a variable: a pair whose text holds `${` (about one in a hundred) is drawn
 * again, so a generated key can be pasted inline as it is.
 */
export function curveKeyPair(): CurveKeyPair {
  for (;;) {
    const pair = nacl.box.keyPair();
    const keys = { publicKey: z85Encode(pair.publicKey), secretKey: z85Encode(pair.secretKey) };
    if (!keys.publicKey.includes('${') && !keys.secretKey.includes('${')) return keys;
  }
}

/** The public key that belongs to `secretKey`. */
export function curvePublicKey(secretKey: CurveKey): string {
  return z85Encode(nacl.box.keyPair.fromSecretKey(keyBytes(secretKey, 'secret key')).publicKey);
}

/**
 * Key file text. With `secretKey` it is the secret file (keep it 0600); without, the public file that
 * may be handed to peers.
 */
export function formatKeyFile(content: KeyFileContent, generated = new Date()): string {
  const publicKey = keyText(content.publicKey, 'public key');
  const lines = [`#   CURVE key pair written by station keys on ${generated.toISOString()}`];
  if (content.secretKey === undefined) {
    lines.push('#   Public key: safe to copy to the peers that must know this side.');
  } else {
    lines.push('#   SECRET key: keep this file on this machine, readable by the station user only.');
  }
  lines.push('', 'metadata', 'curve', `    public-key = "${publicKey}"`);
  if (content.secretKey !== undefined) {
    const secretKey = keyText(content.secretKey, 'secret key');
    if (curvePublicKey(secretKey) !== publicKey) {
      throw new ZmtpError('BAD_KEY', 'the public key does not belong to the secret key');
    }
    lines.push(`    secret-key = "${secretKey}"`);
  }
  return `${lines.join('\n')}\n`;
}

const PROPERTY = /^\s+(public-key|secret-key)\s*=\s*"?([^"\s]*)"?\s*$/;

/**
 * Reads key file text: a libzmq-style certificate (`public-key = "..."` and `secret-key = "..."` under
 * `curve`), or a file holding only one 40-character Z85 key (taken as the public key). Throws BAD_KEY
 * saying what is wrong; a secret key whose public key differs from the file's is refused.
 */
export function parseKeyFile(text: string, what = 'key file'): KeyFileContent {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  if (lines.length === 1 && lines[0]!.trim().length === KEY_TEXT_SIZE) {
    return { publicKey: keyText(lines[0]!.trim(), `the key in ${what}`) };
  }
  let section = '';
  let publicKey: string | undefined;
  let secretKey: string | undefined;
  for (const line of lines) {
    if (!/^\s/.test(line)) {
      section = line.trim();
      continue;
    }
    const match = section === 'curve' ? PROPERTY.exec(line) : null;
    if (match === null) continue;
    if (match[1] === 'public-key') publicKey = keyText(match[2]!, `public-key in ${what}`);
    else secretKey = keyText(match[2]!, `secret-key in ${what}`);
  }
  if (secretKey !== undefined) {
    const derived = curvePublicKey(secretKey);
    if (publicKey !== undefined && publicKey !== derived) {
      throw new ZmtpError('BAD_KEY', `${what}: public-key does not belong to secret-key`);
    }
    return { publicKey: derived, secretKey };
  }
  if (publicKey === undefined) {
    throw new ZmtpError('BAD_KEY', `${what} has no public-key under "curve" and is not a bare Z85 key`);
  }
  return { publicKey };
}
