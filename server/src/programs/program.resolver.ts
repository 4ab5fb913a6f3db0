import { Arg, Ctx, Field, ID, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { PLATFORM_ADMIN } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import type { RequestContext } from '../graphql/context.js';

@ObjectType('Program', { description: "A brand's programme: its currency and time zone. Everything else belongs to one program." })
export class ProgramType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'ISO 4217 code, e.g. RUB.' })
  defaultCurrency!: string;

  @Field({ description: 'IANA time zone, e.g. Europe/Moscow: where days, months and quarters begin.' })
  timeZone!: string;

  @Field()
  createdAt!: Date;
}

@InputType()
export class CreateProgramInput {
  @Field()
  name!: string;

  @Field({ description: 'ISO 4217 code, e.g. RUB.' })
  defaultCurrency!: string;

  @Field({ description: 'IANA time zone, e.g. Europe/Moscow.' })
  timeZone!: string;
}

@ObjectType('CreatedProgram')
export class CreatedProgramType {
  @Field(() => ProgramType)
  program!: ProgramType;

  @Field({ description: "The new program's first admin API key. Shown only now: store it." })
  adminKey!: string;
}

@Resolver()
export class ProgramResolver {
  @Mutation(() => CreatedProgramType, { description: 'Creates a program and its first admin key (needs a platform:admin key).' })
  @Requires(PLATFORM_ADMIN)
  async createProgram(@Arg('input') input: CreateProgramInput, @Ctx() ctx: RequestContext): Promise<CreatedProgramType> {
    return ctx.app.programs.create(input);
  }
}
