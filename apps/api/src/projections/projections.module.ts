import { Module } from '@nestjs/common';
import { ProjectionHost } from './projection-host.js';
import { ProjectionStatusResolver } from './projection-status.resolver.js';

@Module({ providers: [ProjectionHost, ProjectionStatusResolver] })
export class ProjectionsModule {}
