import 'reflect-metadata';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../apps/api/src/app.factory.js';
import { loadConfig } from '../apps/api/src/config/app-config.js';
import { collectGarbage, percentile } from './measure.js';
import { int, pick, prng, subSeed, type Random } from './payload.js';

/**
 * The command path: one GraphQL mutation per event over HTTP against the real API (createApp, its own pool,
 * the CQRS handler: read the lead's stream, decide, append with the expected revision). Each client walks
 * its own leads through capture -> score -> hand-off -> accept -> won, one request at a time, so clients
 * never conflict and every mutation appends exactly one event.
 *
 * The API runs in this process: client and server share the machine's cores, as they would on one box.
 */
export interface CommandBenchOptions {
  /** Leads walked by the single sequential client (5 mutations each). */
  sequentialLeads: number;
  clients: number;
  /** Leads per concurrent client. */
  leadsPerClient: number;
  seed: number;
  log: (message: string) => void;
}

export interface CommandPhase {
  clients: number;
  mutations: number;
  seconds: number;
  eventsPerSecond: number;
  /** Per-mutation latency (ms). */
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

export interface CommandBenchResult {
  sequential: CommandPhase;
  concurrent: CommandPhase;
  /** Pool size the API ran with (DATABASE_POOL_SIZE default). */
  poolSize: number;
}

const RESULT = 'position replayed event { eventId type revision } lead { id status revision }';
const MUTATIONS = {
  capture: `mutation($input: CaptureResponderInput!) { captureResponder(input: $input) { ${RESULT} } }`,
  score: `mutation($input: ScoreLeadInput!) { scoreLead(input: $input) { ${RESULT} } }`,
  handOff: `mutation($input: HandOffLeadInput!) { handOffLead(input: $input) { ${RESULT} } }`,
  accept: `mutation($input: AcceptLeadInput!) { acceptLead(input: $input) { ${RESULT} } }`,
  won: `mutation($input: MarkLeadWonInput!) { markLeadWon(input: $input) { ${RESULT} } }`,
};

interface GraphQLBody {
  data?: Record<string, { event?: { revision?: number } }> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A keep-alive HTTP client (node:http: less client CPU than fetch, which shares the cores with the API). */
function graphqlPoster(port: number, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const post = (body: string, headers: Record<string, string>): Promise<{ status: number; json: GraphQLBody }> =>
    new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/graphql',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            try {
              resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as GraphQLBody });
            } catch (error) {
              reject(error);
            }
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  return { post, close: () => agent.destroy() };
}

type Step = [mutation: string, field: string, input: Record<string, unknown>];

/** The five writes of one lead's journey, with realistic inputs. */
function leadJourney(random: Random, leadId: string): Step[] {
  const company = pick(random, ['Nordwind GmbH', 'Altamira SA', 'Brightline Ltd', 'Kestrel AB', 'Meridian BV']);
  const owner = `rep-${int(random, 1, 40)}`;
  return [
    [
      MUTATIONS.capture,
      'captureResponder',
      {
        leadId,
        channel: pick(random, ['trade show', 'web form', 'webinar', 'partner referral']),
        origin: 'MARKETING',
        campaign: pick(random, ['spring-webinar-2026', 'cebit-2026', 'q1-abm-enterprise']),
        account: { name: company, domain: `${company.split(' ')[0]!.toLowerCase()}.example`, industry: 'manufacturing', employees: int(random, 20, 20000), country: 'DE' },
        contact: { name: 'Anna Schmidt', email: `anna.${int(random, 1, 9999)}@example.com`, title: 'Head of Procurement' },
        attributes: { segment: pick(random, ['enterprise', 'mid-market', 'smb']), product: 'ledger-core', region: 'dach' },
        estimatedValue: int(random, 5, 500) * 100,
      },
    ],
    [MUTATIONS.score, 'scoreLead', { leadId, budget: int(random, 0, 20), authority: int(random, 0, 20), need: int(random, 0, 20), timeframe: int(random, 0, 20), trust: int(random, 0, 20), model: 'bantt-v1' }],
    [MUTATIONS.handOff, 'handOffLead', { leadId, ownerId: owner, team: 'dach', note: 'budget approved, wants a demo for the plant managers next week' }],
    [MUTATIONS.accept, 'acceptLead', { leadId, by: owner, note: 'called back, meeting booked' }],
    [MUTATIONS.won, 'markLeadWon', { leadId, amount: int(random, 5, 500) * 100, currency: 'EUR' }],
  ];
}

/**
 * createApp, but a failed start rejects instead of ending the process. Nest ends the process on a failed
 * start (process.exit(1), then process.abort() with its default abortOnError), which would skip the bench's
 * cleanup: the bench database and the embedded server would be left behind. Nest has already logged the
 * cause when the replaced functions are reached.
 */
async function createAppOrThrow(config: Parameters<typeof createApp>[0]): Promise<NestExpressApplication> {
  const { exit, abort } = process;
  const refuse = (what: string) => () => {
    throw new Error(`the API failed to start (Nest called ${what}; its error is logged above)`);
  };
  process.exit = refuse('process.exit') as typeof process.exit;
  process.abort = refuse('process.abort') as typeof process.abort;
  try {
    return await createApp(config);
  } finally {
    process.exit = exit;
    process.abort = abort;
  }
}

export async function runCommandBench(databaseUrl: string, options: CommandBenchOptions): Promise<CommandBenchResult> {
  const { clients, seed, log } = options;
  const config = { ...loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }), port: 0 };
  let app: NestExpressApplication | null = null;
  let poster: ReturnType<typeof graphqlPoster> | null = null;
  try {
    app = await createAppOrThrow(config);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    poster = graphqlPoster(port, clients);
    const { post } = poster;

    /** Walks leads one mutation at a time; returns each mutation's latency (ms). */
    const walkLeads = async (client: string, leads: number): Promise<number[]> => {
      const random = prng(subSeed(seed, client));
      const headers = { 'x-actor-type': 'user', 'x-actor-id': client, 'x-correlation-id': `bench-${client}` };
      const latencies: number[] = [];
      for (let lead = 0; lead < leads; lead++) {
        const leadId = `bench-lead-${client}-${lead}`;
        for (const [index, [mutation, field, input]] of leadJourney(random, leadId).entries()) {
          const start = performance.now();
          const { status, json } = await post(JSON.stringify({ query: mutation, variables: { input } }), headers);
          latencies.push(performance.now() - start);
          const revision = json.data?.[field]?.event?.revision;
          if (status !== 200 || json.errors?.length || revision !== index + 1) {
            throw new Error(`${field} on ${leadId} failed (HTTP ${status}): ${json.errors?.map((e) => e.message).join('; ') ?? `revision ${revision}`}`);
          }
        }
      }
      return latencies;
    };

    const phase = async (label: string, clientCount: number, leadsEach: number): Promise<CommandPhase> => {
      collectGarbage();
      const start = performance.now();
      const perClient = await Promise.all(Array.from({ length: clientCount }, (_, c) => walkLeads(`${label}-c${c}`, leadsEach)));
      const seconds = (performance.now() - start) / 1000;
      const latencies = perClient.flat().sort((a, b) => a - b);
      const mutations = latencies.length;
      const result = {
        clients: clientCount,
        mutations,
        seconds,
        eventsPerSecond: mutations / seconds,
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1]! },
      };
      log(`  ${label.padEnd(10)} ${clientCount} client(s): ${mutations} mutations in ${seconds.toFixed(1)} s = ${Math.round(result.eventsPerSecond)} ev/s, p50 ${result.latencyMs.p50.toFixed(1)} ms`);
      return result;
    };

    // Warm-up (not counted): Nest/Apollo caches, JIT, the pool's connections and prepared statements.
    await phase('warmup', Math.min(clients, 8), 3);
    const sequential = await phase('sequential', 1, options.sequentialLeads);
    const concurrent = await phase('concurrent', clients, options.leadsPerClient);
    return { sequential, concurrent, poolSize: config.databasePoolSize };
  } finally {
    poster?.close();
    await app?.close();
  }
}
