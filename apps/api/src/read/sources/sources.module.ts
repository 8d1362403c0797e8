import { Module } from '@nestjs/common';
import { SourcesResolver } from './sources.resolver.js';
import { SourcesService } from './sources.service.js';

/** Per-source comparison and capture cohorts (shared/metrics.md), read from the lead funnel read models. */
@Module({ providers: [SourcesService, SourcesResolver] })
export class SourcesModule {}
