import pg from 'pg';

/**
 * Leadership of one projection across processes: a session advisory lock, held on a dedicated connection for
 * as long as this runner leads. PostgreSQL releases it when that session ends, so a crashed or partitioned
 * leader loses it without any lease bookkeeping, and a standby's next pg_try_advisory_lock succeeds.
 *
 * The lock only keeps standbys idle; it is not what makes batches exactly-once (the checkpoint row lock and
 * compare-and-set are). A leader that lost its session but still has a batch in flight is therefore harmless:
 * the new leader's FOR UPDATE NOWAIT fails until that batch commits or rolls back, then it reads the new
 * checkpoint.
 *
 * Key: the two-int form (namespace, hashtext(name)), so projection locks cannot meet other advisory lock users
 * (the migration lock uses the one-bigint form). Two names with the same 32-bit hash would share a lock; the
 * runner refuses to start in that case.
 */
export const LEADERSHIP_LOCK_NAMESPACE = 0x464c504a; // 'FLPJ'

export class LeaderConnection {
  private client: pg.Client | null = null;
  private lostFlag = false;
  private backendPid: number | null = null;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly projectionName: string,
    private readonly channel: string,
    private readonly onNotification: () => void,
    private readonly onLost: (error?: unknown) => void,
  ) {}

  /** The session ended (or failed): leadership, if held, is gone. */
  get lost(): boolean {
    return this.lostFlag;
  }

  get pid(): number | null {
    return this.backendPid;
  }

  /** Takes the lock if free (connecting first if needed); on success, LISTENs for appends on this session. */
  async tryAcquire(): Promise<boolean> {
    const client = await this.connected();
    const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS acquired', [
      LEADERSHIP_LOCK_NAMESPACE,
      this.projectionName,
    ]);
    if (!rows[0]?.acquired) return false;
    await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    return true;
  }

  /** A round trip on the session, so a silently dead connection is noticed (throws, and marks it lost). */
  async heartbeat(): Promise<void> {
    if (!this.client || this.lostFlag) throw new Error(`projection ${this.projectionName}: the leadership connection is gone`);
    try {
      await this.client.query('SELECT 1');
    } catch (error) {
      this.markLost(error);
      throw error;
    }
  }

  /** Ends the session, which releases the lock and the LISTEN. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.lostFlag = true;
    if (client) await client.end().catch(() => undefined);
  }

  private async connected(): Promise<pg.Client> {
    if (this.client) return this.client;
    if (this.lostFlag) throw new Error(`projection ${this.projectionName}: the leadership connection is gone`);
    const client = new pg.Client({
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      ...this.config,
      application_name: `funnel-ledger-projection:${this.projectionName}`.slice(0, 63),
    });
    client.on('error', (error) => this.markLost(error));
    client.on('end', () => this.markLost());
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onNotification();
    });
    this.client = client;
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.backendPid = rows[0]?.pid ?? null;
    } catch (error) {
      this.markLost(error);
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  private markLost(error?: unknown): void {
    if (this.lostFlag) return;
    this.lostFlag = true;
    this.onLost(error);
  }
}
