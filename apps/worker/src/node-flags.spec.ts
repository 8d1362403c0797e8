import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WORKER_NODE_FLAGS } from './node-flags.js';

const root = path.resolve('.');

describe('the flags the worker runs with', () => {
  it('are the same in the npm script, the docker-compose command and WORKER_NODE_FLAGS', () => {
    const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts['start:worker']).toBe(['node', ...WORKER_NODE_FLAGS, 'dist/apps/worker/src/main.js'].join(' '));
    const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`command: ${JSON.stringify(['node', ...WORKER_NODE_FLAGS, 'dist/apps/worker/src/main.js']).replaceAll(',', ', ')}`);
  });
});
