import { Inject } from '@nestjs/common';
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { commandContext, type GraphQLContext } from '../leads/request-context.js';
import { ScenarioService } from './scenario.service.js';
import { RunScenarioInput, Scenario, toScenario } from './scenario.types.js';

@Resolver(() => Scenario)
export class ScenarioResolver {
  constructor(@Inject(ScenarioService) private readonly service: ScenarioService) {}

  @Mutation(() => Scenario, {
    description:
      'Replays the whole ledger (up to now) under a candidate definition into isolated tables, in the background; poll scenario(id) ' +
      'for progress. Live queries are never affected. BAD_USER_INPUT (with the path of each problem) for an invalid definition.',
  })
  async runScenario(
    @Args('input', { type: () => RunScenarioInput, description: 'Name and candidate definition.' }) input: RunScenarioInput,
    @Context() ctx: GraphQLContext,
  ): Promise<Scenario> {
    return toScenario(await this.service.start(input.name, input.definition, commandContext(ctx).actor.id));
  }

  @Mutation(() => Scenario, { description: 'Stops a running scenario (status CANCELLED, its tables dropped); a finished one is returned unchanged. NOT_FOUND.' })
  async cancelScenario(@Args('id', { type: () => ID, description: 'Scenario id.' }) id: string): Promise<Scenario> {
    return toScenario(await this.service.cancel(id));
  }

  @Mutation(() => Scenario, {
    description: 'Deletes a scenario that is not running (its tables and registry entry); returns it as it was. SCENARIO_RUNNING: cancel it first. NOT_FOUND.',
  })
  async deleteScenario(@Args('id', { type: () => ID, description: 'Scenario id.' }) id: string): Promise<Scenario> {
    return toScenario(await this.service.delete(id));
  }

  @Query(() => Scenario, { nullable: true, description: 'A scenario with its progress; null when unknown.' })
  async scenario(@Args('id', { type: () => ID, description: 'Scenario id.' }) id: string): Promise<Scenario | null> {
    const build = await this.service.get(id);
    return build ? toScenario(build) : null;
  }

  @Query(() => [Scenario], { description: 'Every scenario, newest first.' })
  async scenarios(): Promise<Scenario[]> {
    return (await this.service.list()).map(toScenario);
  }
}
