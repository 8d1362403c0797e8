/**
 * The V8 flags the API runs with. The package.json `start` and `start:api` scripts and the Dockerfile's CMD carry
 * the same flags (apps/api/src/node-flags.spec.ts keeps them in step); the bench starts the API with this list.
 *
 * A 32 MB semi-space, as the worker's (apps/worker/src/node-flags.ts): the API replays scenarios and as-of builds
 * in bulk, the same work per event as a rebuild in the worker, allocating short-lived objects for every event; a
 * larger young generation scavenges less often.
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
