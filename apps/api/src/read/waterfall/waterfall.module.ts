import { Module } from '@nestjs/common';
import { WaterfallResolver } from './waterfall.resolver.js';
import { WaterfallService } from './waterfall.service.js';

/** The `waterfall` query over the lead_funnel read models. */
@Module({ providers: [WaterfallService, WaterfallResolver], exports: [WaterfallService] })
export class WaterfallModule {}
