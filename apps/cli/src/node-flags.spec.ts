import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLI_NODE_FLAGS } from './node-flags.js';

const root = path.resolve('.');

describe('the flags the ledger command runs with', () => {
  it('are the same in the npm script, the bin shebang and CLI_NODE_FLAGS', () => {
    const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.ledger).toBe(['node', ...CLI_NODE_FLAGS, 'dist/apps/cli/src/main.js'].join(' '));
    const shebang = readFileSync(path.join(root, 'apps/cli/src/main.ts'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S ${['node', ...CLI_NODE_FLAGS].join(' ')}`);
  });

  it('start node through the shebang with the flags in effect', () => {
    // What the kernel runs for `./main.js`: env splits the shebang's arguments (-S) and node accepts the flags.
    const run = spawnSync('/usr/bin/env', ['-S', ['node', ...CLI_NODE_FLAGS].join(' '), '-e', 'process.stdout.write(JSON.stringify(process.execArgv))'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as string[]).slice(0, CLI_NODE_FLAGS.length)).toEqual(CLI_NODE_FLAGS);
  });
});
