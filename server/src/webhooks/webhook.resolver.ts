import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { callerProgram } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../graphql/connection.js';
import type { RequestContext } from '../graphql/context.js';
import { requireId } from '../graphql/ids.js';
import { messageId } from './signing.js';
import { WEBHOOK_EVENTS } from './webhook-events.js';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from './webhook.service.js';
import {
  WebhookAttemptType,
  WebhookDeliveryConnection,
  WebhookDeliveryType,
  WebhookEndpointInput,
  WebhookEndpointType,
  WebhookEndpointWithSecretType,
} from './webhook.types.js';

@Resolver(() => WebhookEndpointType)
export class WebhookEndpointResolver {
  @Query(() => [WebhookEndpointType], { description: "The program's webhook endpoints, oldest first." })
  @Requires('admin')
  webhookEndpoints(@Ctx() ctx: RequestContext): Promise<WebhookEndpointRow[]> {
    return ctx.app.webhooks.list(callerProgram(ctx.principal));
  }

  @Query(() => [String], { description: 'Every event type an endpoint can ask for.' })
  webhookEventTypes(): string[] {
    return Object.keys(WEBHOOK_EVENTS);
  }

  @Mutation(() => WebhookEndpointWithSecretType, { description: 'Starts sending the named events to url, signed with a new secret that is returned this once.' })
  @Requires('admin')
  createWebhookEndpoint(@Arg('input', () => WebhookEndpointInput) input: WebhookEndpointInput, @Ctx() ctx: RequestContext) {
    return ctx.app.webhooks.create(callerProgram(ctx.principal), input);
  }

  @Mutation(() => WebhookEndpointType, { description: 'Changes what is given; `enabled: false` disables it, `enabled: true` enables it again.' })
  @Requires('admin')
  updateWebhookEndpoint(@Arg('id', () => ID) id: string, @Arg('input', () => WebhookEndpointInput) input: WebhookEndpointInput, @Ctx() ctx: RequestContext) {
    return ctx.app.webhooks.update(callerProgram(ctx.principal), requireId(id, 'id'), input);
  }

  @Mutation(() => ID, { description: 'Deletes the endpoint with its deliveries; returns its id.' })
  @Requires('admin')
  async deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<string> {
    await ctx.app.webhooks.delete(callerProgram(ctx.principal), requireId(id, 'id'));
    return id;
  }

  @Mutation(() => WebhookEndpointWithSecretType, {
    description: 'A new signing secret, returned this once. For 24 hours deliveries carry signatures by both the old and the new secret.',
  })
  @Requires('admin')
  rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return ctx.app.webhooks.rotateSecret(callerProgram(ctx.principal), requireId(id, 'id'));
  }
}

@Resolver(() => WebhookDeliveryType)
export class WebhookDeliveryResolver {
  @Query(() => WebhookDeliveryConnection, { description: "An endpoint's deliveries, newest first, each with every attempt." })
  @Requires('admin')
  async webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() ctx: RequestContext,
    @Arg('status', () => String, { nullable: true, description: 'PENDING, DELIVERED or FAILED.' }) status?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<ConnectionShape<WebhookDeliveryRow>> {
    const size = pageSize(first);
    const rows = await ctx.app.webhooks.deliveries(callerProgram(ctx.principal), requireId(endpointId, 'endpointId'), status ?? null, decodeCursor(after), size + 1);
    return toConnection(rows, size);
  }

  @Mutation(() => WebhookDeliveryType, { description: 'Sends a delivery again with the same webhook-id, retried like a new one if it fails.' })
  @Requires('admin')
  redeliverWebhook(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() ctx: RequestContext): Promise<WebhookDeliveryRow> {
    return ctx.app.webhooks.redeliver(callerProgram(ctx.principal), requireId(deliveryId, 'deliveryId'));
  }

  @FieldResolver(() => String, { description: 'The `webhook-id` header: the same in every attempt, so a receiver can drop repeats.' })
  webhookId(@Root() delivery: WebhookDeliveryRow): string {
    return messageId(delivery.id);
  }

  @FieldResolver(() => [WebhookAttemptType], { description: 'Oldest first.' })
  attempts(@Root() delivery: WebhookDeliveryRow, @Ctx() ctx: RequestContext): Promise<WebhookAttemptRow[]> {
    return ctx.loaders.webhookAttempts.load(delivery.id);
  }
}
