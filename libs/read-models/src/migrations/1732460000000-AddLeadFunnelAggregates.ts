import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from '../../../event-store/src/migrations/index.js';

/**
 * Daily aggregates that keep the report queries fast at millions of leads (bench: `npm run bench -- --suite
 * read`), maintained by LeadFunnelProjection in the same transaction as the rows they summarize:
 * - rm_lead_summary.reached_mask: bit (stage_order - 1) set for every stage the lead ever visited;
 * - rm_waterfall_daily: visits by (stage, local day of entry, exit kind as of now) with their value sum (the
 *   waterfall's cohort counts and values; an open visit counts the lead's current value, kept up to date);
 * - rm_waterfall_exits_daily: visits by (stage, local day of exit, exit kind) (the waterfall's flow);
 * - rm_cohort_daily: leads by (local day of capture, source dimension, key, reached_mask) (funnelCohorts and
 *   sourceComparison by channel, campaign or origin).
 * "Local day" = the day in the definition's time zone, stored as the instant it starts, so any period cut in
 * that zone (day, week, month, quarter, year) is a range of day starts. Percentiles (velocity, time to win,
 * response times) cannot be summed: the queries compute them from partial covering indexes below.
 *
 * No CHECK (visits >= 0): PostgreSQL checks the proposed row of an INSERT ... ON CONFLICT before it finds the
 * conflict, and a delta row is negative. The tests compare the aggregates with a recomputation from the rows.
 *
 * Existing rows are backfilled here in the time zone of the default definition (the only one that could have
 * built them); rebuilding the projection recomputes everything.
 */
export class AddLeadFunnelAggregates1732460000000 implements EventStoreMigration {
  readonly name = 'AddLeadFunnelAggregates1732460000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE rm_lead_summary ADD COLUMN reached_mask int NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      CREATE TABLE rm_waterfall_daily (
        stage      text NOT NULL,
        day_start  timestamptz NOT NULL,
        exit_kind  text NOT NULL CHECK (exit_kind IN ('advanced', 'recycled', 'rejected', 'lost', 'open')),
        visits     int NOT NULL,
        value      numeric NOT NULL,
        PRIMARY KEY (stage, day_start, exit_kind)
      )`);
    await queryRunner.query(`
      CREATE TABLE rm_waterfall_exits_daily (
        stage      text NOT NULL,
        day_start  timestamptz NOT NULL,
        exit_kind  text NOT NULL CHECK (exit_kind IN ('advanced', 'recycled', 'rejected', 'lost')),
        visits     int NOT NULL,
        PRIMARY KEY (stage, day_start, exit_kind)
      )`);
    await queryRunner.query(`
      CREATE TABLE rm_cohort_daily (
        dimension    text NOT NULL CHECK (dimension IN ('channel', 'campaign', 'origin')),
        day_start    timestamptz NOT NULL,
        key          text NOT NULL,
        reached_mask int NOT NULL,
        leads        int NOT NULL,
        PRIMARY KEY (dimension, day_start, key, reached_mask)
      )`);
    // Velocity: the advanced visits of a stage by entry time, durations read from the index alone.
    await queryRunner.query(
      `CREATE INDEX rm_stage_visits_advanced_idx ON rm_stage_visits (stage, entered_at) INCLUDE (exited_at) WHERE exit_kind = 'advanced'`,
    );
    // Time to win and won value per source: the won leads by capture time.
    await queryRunner.query(
      `CREATE INDEX rm_lead_summary_won_idx ON rm_lead_summary (captured_at)
         INCLUDE (channel, campaign, origin, won_at, won_amount) WHERE won_at IS NOT NULL`,
    );

    // Backfill from what is there (UTC: the default definition's zone).
    await queryRunner.query(`
      UPDATE rm_lead_summary s SET reached_mask = m.mask
        FROM (SELECT lead_id, bit_or(1 << (stage_order - 1)) AS mask FROM rm_stage_visits GROUP BY lead_id) m
       WHERE m.lead_id = s.lead_id`);
    await queryRunner.query(`
      INSERT INTO rm_waterfall_daily (stage, day_start, exit_kind, visits, value)
      SELECT v.stage, date_trunc('day', v.entered_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', v.exit_kind, count(*),
             sum(CASE WHEN v.exit_kind = 'open' THEN COALESCE(s.value, 0) ELSE COALESCE(v.exit_value, 0) END)
        FROM rm_stage_visits v LEFT JOIN rm_lead_summary s ON s.lead_id = v.lead_id
       GROUP BY 1, 2, 3`);
    await queryRunner.query(`
      INSERT INTO rm_waterfall_exits_daily (stage, day_start, exit_kind, visits)
      SELECT stage, date_trunc('day', exited_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', exit_kind, count(*)
        FROM rm_stage_visits WHERE exit_kind <> 'open'
       GROUP BY 1, 2, 3`);
    await queryRunner.query(`
      INSERT INTO rm_cohort_daily (dimension, day_start, key, reached_mask, leads)
      SELECT d.dimension, date_trunc('day', s.captured_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.key, s.reached_mask, count(*)
        FROM rm_lead_summary s
       CROSS JOIN LATERAL (VALUES ('channel', s.channel), ('campaign', COALESCE(s.campaign, '(none)')), ('origin', s.origin)) AS d(dimension, key)
       GROUP BY 1, 2, 3, 4`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX IF EXISTS rm_lead_summary_won_idx');
    await queryRunner.query('DROP INDEX IF EXISTS rm_stage_visits_advanced_idx');
    await queryRunner.query('DROP TABLE IF EXISTS rm_cohort_daily');
    await queryRunner.query('DROP TABLE IF EXISTS rm_waterfall_exits_daily');
    await queryRunner.query('DROP TABLE IF EXISTS rm_waterfall_daily');
    await queryRunner.query('ALTER TABLE rm_lead_summary DROP COLUMN IF EXISTS reached_mask');
  }
}
