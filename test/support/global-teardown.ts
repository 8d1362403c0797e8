import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  const handle = globalThis.__FL_TEST_SERVER__;
  if (!handle) return;
  globalThis.__FL_TEST_SERVER__ = undefined;
  await handle.server.stop();
  await rm(handle.tempDir, { recursive: true, force: true });
}
