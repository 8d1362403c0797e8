import { Module } from '@nestjs/common';
import { PlanResolver } from './plan.resolver.js';
import { PlanService } from './plan.service.js';

/** The `funnelPlan` query (plan vs actual); PlanService is exported for the CLI's `ledger plan`. */
@Module({ providers: [PlanService, PlanResolver], exports: [PlanService] })
export class PlanModule {}
