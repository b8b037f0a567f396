// A batch's sequence version (issue 22): which version each slot runs and its next run takes, and the pin
// or roll-back an engineer sets. The supervisor answers both (it is the one writer of pins); the runner
// takes a new pin at its next start, so a running sequence is never touched.

import { contract } from '@station/bus/contract';
import { ID_PATTERN } from '@station/config';
import { BatchVersion, PinVersionBody } from '@station/model';
import { Elysia, t } from 'elysia';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { documentBody } from '../requests/body.ts';
import { errorResponses } from '../schemas.ts';

const idPattern = new RegExp(ID_PATTERN);
const IdParams = t.Object({ id: t.String() });

/** The batch id from the path, or 404 when it cannot name a batch. */
function batchIdOf(id: string): string {
  if (!idPattern.test(id)) throw new ApiError('NOT_FOUND', `no batch "${id.slice(0, 80)}"`);
  return id;
}

// The reply is the bus contract's, so the route and the supervisor cannot drift apart.
const reply = contract.supervisor['batch.pin'].reply;

/** `GET` and `POST /api/batches/{id}/sequence/version`, mounted beside the batch routes. */
export function versionRoutes(ctx: RouteContext) {
  const { calls, bodies } = ctx;
  return new Elysia({ name: 'routes.versions', prefix: '/api/batches', detail: { tags: ['Batches'] } })
    .get(
      '/:id/sequence/version',
      ({ params }) => calls.call('supervisor', 'batch.version', { batchId: batchIdOf(params.id) }),
      {
        params: IdParams,
        response: { 200: BatchVersion, ...errorResponses },
        detail: {
          summary:
            "The batch's version rule (station.yaml or a pin), the version its next run takes and what its runner has loaded",
        },
      },
    )
    .post(
      '/:id/sequence/version',
      async ({ params, request }) => {
        const batchId = batchIdOf(params.id);
        const { version } = await bodies.read(request, PinVersionBody);
        // Who pinned is kept with the pin: the key's name or the token's subject, `local` without auth.
        const pinnedBy = ctx.identityOf(request)?.name ?? 'local';
        const pinned = await calls.call('supervisor', 'batch.pin', { batchId, version, pinnedBy });
        ctx.log.info({ batchId, version, pinnedBy }, 'sequence version pinned');
        return pinned;
      },
      {
        params: IdParams,
        parse: 'none',
        response: { 200: reply, ...errorResponses },
        detail: {
          summary:
            'Pin the batch to an installed version or roll back (`latest` follows the newest): taken at its next start, never during a run; 422 VERSION_NOT_INSTALLED',
          requestBody: documentBody(PinVersionBody, false),
        },
      },
    );
}
