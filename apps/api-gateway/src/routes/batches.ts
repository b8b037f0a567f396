// SPEC §3.1 Batches: the supervisor answers for batch processes, each batch's runner for its sequence and
// manual commands. Ids are checked here so a malformed one is a plain 404, never a bad bus name.

import type { Static } from '@sinclair/typebox';
import { contract, runnerService } from '@station/bus/contract';
import { ID_PATTERN } from '@station/config';
import { PromptAnswer } from '@station/model';
import { Elysia, t } from 'elysia';
import type { Identity } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { documentBody, EmptyBody } from '../requests/body.ts';
import {
  BatchDetailSchema,
  BatchLogSchema,
  BatchStatusSchema,
  CommandResultSchema,
  errorResponses,
  PromptClosedSchema,
} from '../schemas.ts';
import { LOG_LINES } from '../station-model.ts';

const idPattern = new RegExp(ID_PATTERN);

/** The batch id from the path, or 404 when it cannot name a batch. */
function batchIdOf(id: string): string {
  if (!idPattern.test(id)) throw new ApiError('NOT_FOUND', `no batch "${id.slice(0, 80)}"`);
  return id;
}

/**
 * A read answered from the model as JSON text (GET /api/batches: each card's text kept since its last
 * change, see StationModel.listJson). The model builds these values field by field in the
 * schema's own types (packages/model), so the framework's check and clean of the response against its
 * schema (on every request: 50 cards, up to 1,000 times a second) would only repeat what the compiler
 * proved; a Response is sent as it is. The route keeps its response schema for the OpenAPI document, and
 * test/batches.test.ts checks the answers against it.
 */
function json(text: string): Response {
  return new Response(text, { headers: { 'content-type': 'application/json;charset=utf-8' } });
}

const IdParams = t.Object({ id: t.String() });
const PromptParams = t.Object({ id: t.String(), promptId: t.String() });
const PROMPT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** An answer to an operator prompt: true/false (confirm), an option (choice), text, or a number. */
const PromptAnswerBody = t.Object({ answer: PromptAnswer }, { additionalProperties: false });

/**
 * Who starts a run: a signed-in person (a token's subject) is recorded as such; with an API key (a shared
 * station PC) the operator id the station asked for (badge or typed) comes in the body.
 */
export function withOperator(body: Static<typeof SequenceStartBody>, who: Identity | undefined) {
  return who?.via === 'jwt' ? { ...body, operator: who.name } : body;
}

// The bodies are the bus contract's: what the runner accepts is exactly what the route accepts.
const SequenceStartBody = contract.runner['sequence.start'].body;
const ManualBody = contract.runner['manual.run'].body;
const AcknowledgeBody = contract.runner['recovery.acknowledge'].body;

/** The batch routes, mounted under `/api/batches`. */
export function batchRoutes(ctx: RouteContext) {
  // Both reads answer from the gateway's read model (station-model.ts), not a request per read.
  const { calls, timeouts, bodies, model } = ctx;

  /**
   * A runner that does not answer is either not started or gone: ask the supervisor which, so the client
   * gets 404 (no such batch), 409 NOT_RUNNING (start it first) or 503 (the supervisor is away too).
   */
  async function onRunner<R>(batchId: string, run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'SERVICE_UNAVAILABLE') throw err;
      const detail = await calls.call('supervisor', 'batch.get', { batchId });
      if (detail.status === 'running' || detail.status === 'starting') throw err;
      throw new ApiError(
        'NOT_RUNNING',
        `batch ${batchId} is not running (status ${detail.status}); start it first`,
        {
          details: { batchId, status: detail.status },
          cause: err,
        },
      );
    }
  }

  return new Elysia({ name: 'routes.batches', prefix: '/api/batches', detail: { tags: ['Batches'] } })
    .get('', async () => json(await model.listJson()), {
      response: { 200: t.Array(BatchStatusSchema), ...errorResponses },
      detail: {
        summary:
          'List batches with their live status (`stale` set while the supervisor does not answer: status as last reported)',
      },
    })
    .get(
      '/:id',
      async ({ params }) => {
        const batchId = batchIdOf(params.id);
        const detail = await model.get(batchId);
        if (!detail) throw new ApiError('NOT_FOUND', `no batch "${batchId}" on this station`);
        return json(JSON.stringify(detail));
      },
      {
        params: IdParams,
        response: { 200: BatchDetailSchema, ...errorResponses },
        detail: { summary: 'One batch: status, configuration, live execution, manual commands' },
      },
    )
    .get(
      '/:id/log',
      async ({ params }) => {
        const batchId = batchIdOf(params.id);
        const lines = await model.log(batchId);
        if (!lines) throw new ApiError('NOT_FOUND', `no batch "${batchId}" on this station`);
        return { batchId, lines };
      },
      {
        params: IdParams,
        response: { 200: BatchLogSchema, ...errorResponses },
        detail: {
          summary: `The batch's recent log (the last ${LOG_LINES} lines its runner wrote, and its errors), oldest first`,
        },
      },
    )
    .post(
      '/:id/start',
      async ({ params, request }) => {
        const batchId = batchIdOf(params.id);
        await bodies.read(request, EmptyBody, { optional: true });
        return calls.call('supervisor', 'batch.start', { batchId }, timeouts.process);
      },
      {
        params: IdParams,
        parse: 'none',
        response: { 200: contract.supervisor['batch.start'].reply, ...errorResponses },
        detail: {
          summary: 'Start the batch process (409 ALREADY_RUNNING when it runs)',
          requestBody: documentBody(EmptyBody, true),
        },
      },
    )
    .post(
      '/:id/stop',
      async ({ params, request }) => {
        const batchId = batchIdOf(params.id);
        await bodies.read(request, EmptyBody, { optional: true });
        return calls.call('supervisor', 'batch.stop', { batchId }, timeouts.process);
      },
      {
        params: IdParams,
        parse: 'none',
        response: { 200: contract.supervisor['batch.stop'].reply, ...errorResponses },
        detail: {
          summary: 'Stop the batch process gracefully (409 NOT_RUNNING when it does not run)',
          requestBody: documentBody(EmptyBody, true),
        },
      },
    )
    .post(
      '/:id/restart',
      async ({ params, request }) => {
        const batchId = batchIdOf(params.id);
        await bodies.read(request, EmptyBody, { optional: true });
        // A stop and a start, each of which may take the process deadline.
        return calls.call('supervisor', 'batch.restart', { batchId }, timeouts.process * 2);
      },
      {
        params: IdParams,
        parse: 'none',
        response: { 200: contract.supervisor['batch.restart'].reply, ...errorResponses },
        detail: {
          summary:
            'Restart one batch process (BR-006): stop it if it runs, start it again; other batches are untouched',
          requestBody: documentBody(EmptyBody, true),
        },
      },
    )
    .post(
      '/:id/sequence/start',
      async ({ params, request }) => {
        const batchId = batchIdOf(params.id);
        const body = await bodies.read(request, SequenceStartBody, { optional: true });
        const start = withOperator(body, ctx.identityOf(request));
        return onRunner(batchId, () => calls.call(runnerService(batchId), 'sequence.start', start));
      },
      {
        params: IdParams,
        parse: 'none',
        response: { 200: contract.runner['sequence.start'].reply, ...errorResponses },
        detail: {
          summary:
            'Run the batch sequence with runtime parameters and the operator id (409 SEQUENCE_RUNNING when one runs)',
          requestBody: documentBody(SequenceStartBody, true),
        },
      },
    )
    .post(
      '/:id/acknowledge',
      async ({ params, request }) => {
        const batchId = batchIdOf(params.id);
        const body = (await bodies.read(request, AcknowledgeBody, { optional: true })) ?? {};
        const who = ctx.identityOf(request);
        const ack = who?.via === 'jwt' ? { ...body, operator: who.name } : body;
        return onRunner(batchId, () => calls.call(runnerService(batchId), 'recovery.acknowledge', ack));
      },
      {
        params: IdParams,
        parse: 'none',
        response: {
          200: t.Object({ executionId: t.String(), acknowledgedAt: t.String() }),
          ...errorResponses,
        },
        detail: {
          summary:
            'Acknowledge a failed recovery after a crash (the fixture was made safe by hand): the batch takes runs again; 404 when none waits',
          requestBody: documentBody(AcknowledgeBody, true),
        },
      },
    )
    .post(
      '/:id/sequence/stop',
      async ({ params, request }) => {
        const batchId = batchIdOf(params.id);
        await bodies.read(request, EmptyBody, { optional: true });
        return onRunner(batchId, () => calls.call(runnerService(batchId), 'sequence.stop', {}));
      },
      {
        params: IdParams,
        parse: 'none',
        response: { 200: contract.runner['sequence.stop'].reply, ...errorResponses },
        detail: {
          summary: 'Abort the running sequence (cleanup steps still run)',
          requestBody: documentBody(EmptyBody, true),
        },
      },
    )
    .post(
      '/:id/prompts/:promptId',
      async ({ params, request }) => {
        const batchId = batchIdOf(params.id);
        if (!PROMPT_ID.test(params.promptId)) {
          throw new ApiError('NOT_FOUND', `no prompt "${params.promptId.slice(0, 80)}"`);
        }
        const { answer } = await bodies.read(request, PromptAnswerBody);
        // Who answered is recorded with the step: the key's name or the token's subject, `local` without auth.
        const answeredBy = ctx.identityOf(request)?.name ?? 'local';
        return onRunner(batchId, () =>
          calls.call(runnerService(batchId), 'prompt.answer', {
            promptId: params.promptId,
            answer,
            answeredBy,
          }),
        );
      },
      {
        params: PromptParams,
        parse: 'none',
        response: { 200: PromptClosedSchema, ...errorResponses },
        detail: {
          summary:
            'Answer an open operator prompt: first answer wins (409 PROMPT_CLOSED after), 422 with the reason for an answer the prompt does not accept, 404 for an unknown prompt',
          requestBody: documentBody(PromptAnswerBody, false),
        },
      },
    )
    .post(
      '/:id/manual',
      async ({ params, request }) => {
        const batchId = batchIdOf(params.id);
        const body = await bodies.read(request, ManualBody);
        return onRunner(batchId, () =>
          calls.call(runnerService(batchId), 'manual.run', body, timeouts.manual),
        );
      },
      {
        params: IdParams,
        parse: 'none',
        response: { 200: CommandResultSchema, ...errorResponses },
        detail: {
          summary: 'Run one hardware command (409 SEQUENCE_RUNNING while a sequence runs, MC-003)',
          requestBody: documentBody(ManualBody, false),
        },
      },
    );
}
