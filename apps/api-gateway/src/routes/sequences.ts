// SPEC §3.1 Sequences: the packages under sequences_dir. A name from a request is checked against the
// package-name rule before anything touches the file system, so `../x`, `/etc`, `a/b` are 400s, never reads.

import { extname } from 'node:path';
import { InstalledVersion } from '@station/model';
import { isSequenceError, isValidPackageName, PACKAGE_NAME_RULE } from '@station/sequence';
import { Elysia, t } from 'elysia';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { documentedSchema, ErrorSchema } from '../schemas.ts';

/** The name if it can only mean a folder directly inside sequences_dir, else a 400 INVALID_NAME. */
export function checkSequenceName(name: string): string {
  if (!isValidPackageName(name)) {
    throw new ApiError('INVALID_NAME', `a sequence package name is ${PACKAGE_NAME_RULE}`, {
      details: { name: name.slice(0, 200), expected: PACKAGE_NAME_RULE },
    });
  }
  return name;
}

const SummarySchema = t.Object({
  name: t.String(),
  version: t.Union([t.String(), t.Null()]),
  description: t.Union([t.String(), t.Null()]),
  valid: t.Boolean(),
  hash: t.Union([t.String(), t.Null()]),
  problems: t.Array(t.Unknown()),
  /** Loads, but likely fails when run (a parameter range reaching a step timeout it feeds). */
  warnings: t.Array(t.Unknown()),
});

/** The media types a package archive may be sent as. */
export const ARCHIVE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'] as const;

/** The picture types a package's assets may be served as; anything else is not found. */
const IMAGE_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** The sequence routes, mounted under `/api/sequences`. */
export function sequenceRoutes(ctx: RouteContext) {
  const { sequences } = ctx.deps;
  return new Elysia({ name: 'routes.sequences', prefix: '/api/sequences', detail: { tags: ['Sequences'] } })
    .get('', () => sequences.list(), {
      detail: {
        summary: 'Every package in sequences_dir: name, version, description, valid or its problems',
        responses: {
          200: {
            description: 'Packages',
            content: { 'application/json': { schema: documentedSchema(t.Array(SummarySchema)) } },
          },
        },
      },
    })
    .post(
      '',
      async ({ request, set }) => {
        const archive = await ctx.bodies.readBytes(request, ARCHIVE_TYPES);
        try {
          const { created, version } = await sequences.install(archive);
          ctx.log.info(
            { sequence: version.name, version: version.version, hash: version.hash, created },
            created ? 'sequence package installed' : 'sequence package already installed',
          );
          set.status = created ? 201 : 200;
          return { created, ...version };
        } catch (err) {
          if (!isSequenceError(err)) throw err;
          const code =
            err.code === 'VERSION_TAKEN' || err.code === 'INVALID_PACKAGE' ? err.code : 'BAD_ARCHIVE';
          throw new ApiError(code, err.message, { details: err.details, cause: err });
        }
      },
      {
        parse: 'none',
        detail: {
          summary:
            'Install a package archive (station package): validated, stored beside the other versions, never overwriting one',
          requestBody: {
            required: true,
            content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
          },
          responses: {
            201: {
              description: 'Installed',
              content: { 'application/json': { schema: documentedSchema(InstalledVersion) } },
            },
            200: { description: 'This version with these files was already installed: nothing changed' },
            400: {
              description: 'Not a safe package archive (BAD_ARCHIVE)',
              content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
            },
            409: {
              description:
                'The version is installed with other content (VERSION_TAKEN, details.installedHash)',
              content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
            },
            413: { description: 'Larger than server.max_body_bytes' },
            422: {
              description:
                'The package does not validate (INVALID_PACKAGE, details.problems: every problem, located)',
              content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
            },
          },
        },
      },
    )
    .get(
      '/:name',
      async ({ params }) => {
        const name = checkSequenceName(params.name);
        const detail = await sequences.get(name);
        if (!detail) throw new ApiError('NOT_FOUND', `no sequence package "${name}"`);
        return detail;
      },
      {
        params: t.Object({ name: t.String() }),
        detail: {
          summary: 'One package (its newest version): manifest, hash, problems, and every installed version',
          responses: {
            200: {
              description: 'Package detail',
              content: {
                'application/json': { schema: documentedSchema(t.Record(t.String(), t.Unknown())) },
              },
            },
            400: {
              description: 'Name is not a plain folder name',
              content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
            },
            404: {
              description: 'No such package',
              content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
            },
          },
        },
      },
    )
    .get(
      '/:name/assets/*',
      ({ params }) => {
        const name = checkSequenceName(params.name);
        const path = params['*'];
        const type = IMAGE_TYPES[extname(path).toLowerCase()];
        // One answer for every way of not being a picture of this package, so a probe learns nothing.
        const file = type ? sequences.asset(name, path) : undefined;
        if (!file || !type)
          throw new ApiError('NOT_FOUND', `no image assets/${path.slice(0, 200)} in ${name}`);
        return new Response(Bun.file(file), {
          headers: {
            'content-type': type,
            'x-content-type-options': 'nosniff',
            // An SVG opened on its own runs no script and loads nothing.
            'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            'cache-control': 'no-cache',
          },
        });
      },
      {
        params: t.Object({ name: t.String(), '*': t.String() }),
        detail: {
          summary: "A picture from the package's assets/ (operator prompt images)",
          responses: {
            200: { description: 'The image (svg, png, jpeg, gif, webp)' },
            404: {
              description: 'No such image inside the package assets',
              content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
            },
          },
        },
      },
    );
}
