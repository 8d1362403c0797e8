import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from '../../../event-store/src/migrations/index.js';

/**
 * The lead funnel read models (shared/metrics.md), fed by LeadFunnelProjection:
 * - rm_lead_summary: one row per lead (source, status, owner, score, latest known value, won, funnel position);
 * - rm_stage_visits: one row per stage visit (exit kind, exit time, the lead's latest known value at the exit;
 *   exit_value is null while the visit is open: queries use rm_lead_summary.value, else 0);
 * - rm_sla_cases: one row per hand-off (due, resolution, response working/calendar seconds). The status
 *   (met/breached/open) is derived at query time from due_at, resolved_at and now.
 */
export class CreateLeadFunnelReadModels1732450000000 implements EventStoreMigration {
  readonly name = 'CreateLeadFunnelReadModels1732450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rm_lead_summary (
        lead_id          text PRIMARY KEY,
        channel          text NOT NULL,
        campaign         text,
        origin           text NOT NULL,
        attributes       jsonb NOT NULL DEFAULT '{}'::jsonb,
        account          jsonb,
        captured_at      timestamptz NOT NULL,
        status           text NOT NULL,
        stage            text,
        owner_id         text,
        team             text,
        score            int,
        value            numeric,
        currency         text,
        won_at           timestamptz,
        won_amount       numeric,
        funnel_position  jsonb NOT NULL,
        visit_count      int NOT NULL DEFAULT 0 CHECK (visit_count >= 0),
        sla_case_count   int NOT NULL DEFAULT 0 CHECK (sla_case_count >= 0),
        last_revision    bigint NOT NULL,
        last_occurred_at timestamptz NOT NULL
      )
    `);
    await queryRunner.query('CREATE INDEX rm_lead_summary_captured_at_idx ON rm_lead_summary (captured_at)');
    await queryRunner.query('CREATE INDEX rm_lead_summary_stage_idx ON rm_lead_summary (stage)');
    await queryRunner.query('CREATE INDEX rm_lead_summary_owner_idx ON rm_lead_summary (owner_id)');

    await queryRunner.query(`
      CREATE TABLE rm_stage_visits (
        lead_id             text NOT NULL,
        visit_number        int NOT NULL CHECK (visit_number > 0),
        stage               text NOT NULL,
        stage_order         int NOT NULL,
        entered_at          timestamptz NOT NULL,
        entered_by_revision bigint NOT NULL,
        exited_at           timestamptz,
        exited_by_revision  bigint,
        exit_kind           text NOT NULL CHECK (exit_kind IN ('advanced', 'recycled', 'rejected', 'lost', 'open')),
        exit_value          numeric,
        PRIMARY KEY (lead_id, visit_number),
        CONSTRAINT rm_stage_visits_exit_ck CHECK ((exit_kind = 'open') = (exited_at IS NULL))
      )
    `);
    await queryRunner.query('CREATE INDEX rm_stage_visits_stage_entered_idx ON rm_stage_visits (stage, entered_at)');
    await queryRunner.query('CREATE INDEX rm_stage_visits_stage_exited_idx ON rm_stage_visits (stage, exited_at)');

    await queryRunner.query(`
      CREATE TABLE rm_sla_cases (
        lead_id                   text NOT NULL,
        case_number               int NOT NULL CHECK (case_number > 0),
        handed_off_at             timestamptz NOT NULL,
        due_at                    timestamptz NOT NULL,
        resolved_at               timestamptz,
        resolved_by               text,
        owner_id                  text,
        team                      text,
        response_working_seconds  double precision,
        response_calendar_seconds double precision,
        PRIMARY KEY (lead_id, case_number)
      )
    `);
    await queryRunner.query('CREATE INDEX rm_sla_cases_handed_off_idx ON rm_sla_cases (handed_off_at)');
    await queryRunner.query('CREATE INDEX rm_sla_cases_open_due_idx ON rm_sla_cases (due_at) WHERE resolved_at IS NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS rm_sla_cases');
    await queryRunner.query('DROP TABLE IF EXISTS rm_stage_visits');
    await queryRunner.query('DROP TABLE IF EXISTS rm_lead_summary');
  }
}
