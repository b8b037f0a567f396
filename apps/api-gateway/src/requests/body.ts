// Request bodies, read by the gateway itself rather than by Elysia's parser (which coerces `"x"` into an
// object, drops unknown fields and lets an unparseable optional body through as "no body"): the media type,
// a size limit counted while the bytes arrive, strict JSON, no reserved names, then the route's schema.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { findReservedKey } from '@station/bus/reserved';
import { ApiError, invalidFields } from '../errors.ts';
import { documentedSchema } from '../schemas.ts';

/** The default of `server.max_body_bytes`: far above any request body the API takes. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The body of a route that takes none: nothing, or `{}`. */
export const EmptyBody = Type.Object({}, { additionalProperties: false });

/** The OpenAPI `requestBody` of a route whose body `read` checks against `schema`. */
export function documentBody(schema: TSchema, optional: boolean) {
  return { required: !optional, content: { 'application/json': { schema: documentedSchema(schema) } } };
}

export interface BodyOptions {
  /** The route also accepts no body at all (nothing sent, or zero bytes): then the body is `{}`. */
  optional?: boolean;
}

function error(code: 'MALFORMED_REQUEST' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE', message: string) {
  return new ApiError(code, message);
}

/** The media type of a Content-Type header without its parameters, lower-cased. */
function mediaType(header: string): string {
  return (header.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** Reads, checks and decodes request bodies against one size limit. */
export class BodyReader {
  readonly maxBytes: number;

  constructor(maxBytes: number = DEFAULT_MAX_BODY_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** 413 naming the limit (and the declared size, when the request said it up front). */
  #tooLarge(declared?: string): ApiError {
    const size = declared === undefined ? 'larger than' : `${declared} bytes, more than`;
    return error(
      'PAYLOAD_TOO_LARGE',
      `the request body is ${size} the limit of ${this.maxBytes} bytes (server.max_body_bytes)`,
    );
  }

  /**
   * Refuses a request whose declared Content-Length is over the limit, before a byte of it is read (any
   * route, any method). A chunked body has no length up front: `read` counts it as it arrives.
   */
  checkDeclaredLength(request: Request): void {
    const declared = request.headers.get('content-length');
    if (declared !== null && Number(declared) > this.maxBytes) throw this.#tooLarge(declared);
  }

  /**
   * The body as the route's schema, or the ApiError that says what is wrong: 415 for another media type,
   * 413 past the limit (reading stops there), 400 for bytes that are not JSON, 422 with every field for
   * the wrong shape, an unknown field or a reserved name.
   * @example const { parameters } = await bodies.read(request, SequenceStartBody, { optional: true });
   */
  async read<S extends TSchema>(request: Request, schema: S, opts: BodyOptions = {}): Promise<Static<S>> {
    const type = request.headers.get('content-type');
    if (type !== null && mediaType(type) !== 'application/json') {
      throw error(
        'UNSUPPORTED_MEDIA_TYPE',
        `this route takes a JSON body (Content-Type: application/json), not ${JSON.stringify(mediaType(type).slice(0, 80))}`,
      );
    }
    const bytes = await this.#bytes(request);
    if (bytes.length > 0 && type === null) {
      throw error('UNSUPPORTED_MEDIA_TYPE', 'a request body needs Content-Type: application/json');
    }
    let value: unknown;
    if (bytes.length === 0) {
      if (!opts.optional) throw invalidFields([{ path: '/', message: 'a JSON body is required' }]);
      value = {};
    } else {
      value = parseJson(bytes);
    }
    const reserved = findReservedKey(value);
    if (reserved !== undefined) {
      const name = reserved.slice(reserved.lastIndexOf('/') + 1);
      throw invalidFields([{ path: reserved, message: `${name} is a reserved name` }]);
    }
    if (!Value.Check(schema, value)) {
      // TypeBox reports a missing field twice (required, then its type): one line per field is enough.
      const byPath = new Map<string, string>();
      for (const e of Value.Errors(schema, value))
        if (!byPath.has(e.path || '/')) byPath.set(e.path || '/', e.message);
      throw invalidFields([...byPath].map(([path, message]) => ({ path, message })));
    }
    return value;
  }

  /**
   * The raw body of a route that takes bytes (a package archive): 415 unless its media type is one of
   * `types`, 413 past the limit, 400 when empty.
   */
  async readBytes(request: Request, types: readonly string[]): Promise<Uint8Array> {
    const type = mediaType(request.headers.get('content-type') ?? '');
    if (!types.includes(type)) {
      throw error(
        'UNSUPPORTED_MEDIA_TYPE',
        `this route takes ${types.join(' or ')}, not ${JSON.stringify(type.slice(0, 80) || 'no Content-Type')}`,
      );
    }
    const bytes = await this.#bytes(request);
    if (bytes.length === 0) throw error('MALFORMED_REQUEST', 'the request body is empty');
    return bytes;
  }

  /** Every byte of the body, or 413 as soon as the count passes the limit (the rest is never read). */
  async #bytes(request: Request): Promise<Uint8Array> {
    this.checkDeclaredLength(request);
    if (!request.body) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = request.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > this.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw this.#tooLarge();
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks, total);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw error('MALFORMED_REQUEST', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw error('MALFORMED_REQUEST', `the request body is not valid JSON: ${why}`);
  }
}
