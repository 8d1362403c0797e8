import { readFileSync } from 'node:fs';
import path from 'node:path';
import { API_NODE_FLAGS } from './node-flags.js';

const root = path.resolve('.');
const API_MAIN = 'dist/apps/api/src/main.js';

describe('the flags the API runs with', () => {
  it('are the same in the npm scripts, the Dockerfile and API_NODE_FLAGS', () => {
    const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const command = ['node', ...API_NODE_FLAGS, API_MAIN].join(' ');
    expect(scripts['start:api']).toBe(command);
    expect(scripts.start).toBe(`npm run build && ${command}`);
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`CMD ${JSON.stringify(['node', ...API_NODE_FLAGS, API_MAIN]).replaceAll(',', ', ')}`);
  });
});
