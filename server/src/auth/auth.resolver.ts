import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { PartnerType } from '../partners/partner.types.js';
import type { RequestContext } from '../graphql/context.js';
import { requireId } from '../graphql/ids.js';
import { DateTimeScalar } from '../graphql/scalars.js';
import { requireScope } from './access.js';
import { DEFAULT_TOKEN_TTL_SECONDS } from './auth.service.js';

@ObjectType('ApiKey')
export class ApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType()
export class CreatedApiKey {
  @Field({ description: 'The full key, shown only this once: send it as "Authorization: Bearer <key>".' })
  key!: string;

  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;
}

@ObjectType()
export class PartnerToken {
  @Field({ description: 'A JWT for one partner; pass it to the partner cabinet.' })
  token!: string;

  @Field(() => DateTimeScalar)
  expiresAt!: Date;

  @Field(() => PartnerType)
  partner!: PartnerType;
}

@Resolver()
export class AuthResolver {
  @Mutation(() => CreatedApiKey, { description: 'Scopes: admin, events:write, analytics:read.' })
  async createApiKey(
    @Arg('name') name: string,
    @Arg('scopes', () => [String]) scopes: string[],
    @Ctx() ctx: RequestContext,
  ): Promise<CreatedApiKey> {
    return ctx.app.auth.createApiKey(requireScope(ctx.principal, 'admin'), name, scopes);
  }

  @Mutation(() => PartnerToken, { description: "For a brand's backend: a short-lived token for its logged-in partner." })
  async issuePartnerToken(
    @Arg('partnerId', () => ID) partnerId: string,
    @Ctx() ctx: RequestContext,
    @Arg('ttlSeconds', () => Int, { defaultValue: DEFAULT_TOKEN_TTL_SECONDS }) ttlSeconds: number,
  ): Promise<PartnerToken> {
    const programId = requireScope(ctx.principal, 'admin');
    const issued = await ctx.app.auth.issuePartnerToken(programId, requireId(partnerId, 'partnerId'), ttlSeconds);
    return issued as PartnerToken;
  }
}
