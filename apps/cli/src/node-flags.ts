/**
 * The V8 flags the `ledger` command runs with. The package.json `ledger` script and the bin's shebang
 * (apps/cli/src/main.ts) carry the same flags; test/cli/node-flags.test.ts keeps the three in step, and the
 * import bench runs the CLI with them.
 *
 * A 64 MB semi-space: an import allocates short-lived objects for every row (parsed JSON, events, canonical
 * text), and a larger young generation promotes fewer of them and scavenges less often; about +10% import
 * rate (`npm run bench -- --suite import`, with and without the flag, in the same session).
 */
export const CLI_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
