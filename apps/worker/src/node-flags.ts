/**
 * The V8 flags the standalone worker runs with. The package.json `start:worker` script and the docker-compose
 * worker's command carry the same flags (apps/worker/src/node-flags.spec.ts keeps them in step); the bench and the
 * tests that spawn the worker use this list.
 *
 * A 32 MB semi-space: a bulk build allocates short-lived objects for every event (rows, folded leads, COPY
 * text) and garbage collection was a fifth of the worker's time; a larger young generation scavenges less often.
 * Measured at 1M leads (`npm run bench -- --suite read`): bulk phase 60 -> 57 s, peak RSS 323 -> 377 MB (the
 * target is < 512 MB); 64 MB reached 520 MB.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
