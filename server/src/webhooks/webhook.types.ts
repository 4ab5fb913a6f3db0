import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from '../graphql/connection.js';
import { DateTimeScalar, JSONScalar } from '../graphql/scalars.js';
import { WEBHOOK_EVENT_NAMES } from './webhook-events.js';

const EVENTS = `Event types: ${WEBHOOK_EVENT_NAMES.join(', ')}.`;

@ObjectType('WebhookEndpoint', { description: 'Where Cofactor POSTs signed notices of changes (Standard Webhooks). The secret is shown only when created or rotated.' })
export class WebhookEndpointType {
  @Field(() => ID)
  id!: string;

  @Field()
  url!: string;

  @Field()
  description!: string;

  @Field(() => [String], { description: EVENTS })
  events!: string[];

  @Field({ description: 'A disabled endpoint gets no new deliveries; those waiting resume when it is enabled again.' })
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Why it was disabled: by an administrator, or after repeated failed deliveries.' })
  disabledReason!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'After rotateWebhookSecret: until when the previous secret still signs beside the new one.' })
  previousSecretUntil!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType('WebhookEndpointWithSecret')
export class WebhookEndpointWithSecretType {
  @Field(() => WebhookEndpointType)
  endpoint!: WebhookEndpointType;

  @Field({ description: 'The signing secret (whsec_…): store it now, it is not shown again.' })
  secret!: string;
}

@InputType()
export class WebhookEndpointInput {
  @Field(() => String, { nullable: true, description: 'http:// or https://, at most 2000 characters. Loopback, private and link-local addresses are refused.' })
  url?: string | null;

  @Field(() => [String], { nullable: true, description: EVENTS })
  events?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Only in updateWebhookEndpoint: false disables it, true enables it again.' })
  enabled?: boolean | null;
}

@ObjectType('WebhookAttempt', { description: 'One try to deliver.' })
export class WebhookAttemptType {
  @Field(() => DateTimeScalar)
  attemptedAt!: Date;

  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status; null when none came." })
  statusCode!: number | null;

  @Field(() => Int)
  latencyMs!: number;

  @Field({ description: 'The first 1024 bytes of the response body.' })
  responseHead!: string;

  @Field(() => String, { nullable: true, description: 'Why it failed (a status outside 2xx, a redirect, a timeout, a refused address); null when delivered.' })
  error!: string | null;
}

@ObjectType('WebhookDelivery', { description: 'One change for one endpoint: PENDING (waiting or retrying), DELIVERED or FAILED (retried until the retry window ended).' })
export class WebhookDeliveryType {
  @Field(() => ID)
  id!: string;

  @Field()
  eventType!: string;

  @Field(() => JSONScalar, { description: 'The `data` of the body that is sent.' })
  data!: unknown;

  @Field()
  status!: string;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attemptCount!: number;

  @Field(() => DateTimeScalar, { description: 'When a PENDING delivery is tried next.' })
  nextAttemptAt!: Date;

  @Field(() => DateTimeScalar, { description: 'When the change happened: the `timestamp` of the body.' })
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  deliveredAt!: Date | null;

  endpointId!: string;
}

export const WebhookDeliveryConnection = Connection(WebhookDeliveryType, 'WebhookDelivery');
