import type pg from 'pg';

/** What the adapter's SQL helpers need: a pool, a pooled client or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(config: pg.QueryConfig<unknown[]>): Promise<pg.QueryResult<R>>;
}
