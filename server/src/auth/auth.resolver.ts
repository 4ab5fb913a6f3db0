import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { PartnerType } from '../partners/partner.types.js';
import type { RequestContext } from '../graphql/context.js';
import { requireId } from '../graphql/ids.js';
import { DateTimeScalar } from '../graphql/scalars.js';
import { PLATFORM_ADMIN, callerProgram, requireScope } from './access.js';
import type { ApiKeyRow } from './auth.service.js';
import { Requires } from './requires.js';

@ObjectType('ApiKey')
export class ApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'The public part of the key (`cfk_<prefix>_…`), to tell keys apart.' })
  prefix!: string;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the key last authenticated a request, to the minute; null if never.' })
  lastUsedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the key was revoked; a revoked key is refused.' })
  revokedAt!: Date | null;
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

@ObjectType()
export class TokenSecretRotation {
  @Field(() => DateTimeScalar, { description: 'Partner tokens issued before this are refused from now on.' })
  rotatedAt!: Date;
}

@Resolver()
export class AuthResolver {
  @Query(() => [ApiKeyType], { description: "The program's API keys, oldest first, revoked ones included." })
  @Requires('admin')
  apiKeys(@Ctx() ctx: RequestContext): Promise<ApiKeyRow[]> {
    return ctx.app.auth.listApiKeys(callerProgram(ctx.principal));
  }

  @Mutation(() => CreatedApiKey, { description: 'Scopes: admin, events:write, analytics:read.' })
  @Requires('admin')
  async createApiKey(
    @Arg('name') name: string,
    @Arg('scopes', () => [String]) scopes: string[],
    @Ctx() ctx: RequestContext,
  ): Promise<CreatedApiKey> {
    // A program's admin must not mint a key that reaches beyond its program.
    if (scopes.includes(PLATFORM_ADMIN)) requireScope(ctx.principal, PLATFORM_ADMIN);
    return ctx.app.auth.createApiKey(callerProgram(ctx.principal), name, scopes);
  }

  @Mutation(() => ApiKeyType, { description: 'The key is refused from the next request on, on every server. Revoking it again changes nothing.' })
  @Requires('admin')
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ApiKeyRow> {
    return ctx.app.auth.revokeApiKey(callerProgram(ctx.principal), requireId(id, 'id'));
  }

  @Mutation(() => PartnerToken, { description: "For a brand's backend: a short-lived token for its logged-in, ACTIVE partner." })
  @Requires('admin')
  async issuePartnerToken(
    @Arg('partnerId', () => ID) partnerId: string,
    @Ctx() ctx: RequestContext,
    @Arg('ttlSeconds', () => Int, { nullable: true, description: 'Lifetime: 60 s to 7 days; by default the server\'s COFACTOR_TOKEN_TTL (1 hour unless set).' })
    ttlSeconds?: number | null,
  ): Promise<PartnerToken> {
    const issued = await ctx.app.auth.issuePartnerToken(callerProgram(ctx.principal), requireId(partnerId, 'partnerId'), ttlSeconds ?? undefined);
    return issued as PartnerToken;
  }

  @Mutation(() => TokenSecretRotation, {
    description: 'A new secret for signing partner tokens: every partner token issued before is refused from now on, on every server.',
  })
  @Requires('admin')
  async rotatePartnerTokenSecret(@Ctx() ctx: RequestContext): Promise<TokenSecretRotation> {
    return { rotatedAt: await ctx.app.auth.rotatePartnerTokenSecret(callerProgram(ctx.principal)) };
  }
}
