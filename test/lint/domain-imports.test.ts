import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The domain library must replay in isolation: no Nest, TypeORM or database imports (eslint.config.js).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslintBin = path.join(root, 'node_modules/eslint/bin/eslint.js');

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string; line: number }[];
}

function lint(args: string[], stdin?: string): Promise<LintResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [eslintBin, '--format', 'json', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    // eslint exits 1 when it finds problems; the JSON report is on stdout either way.
    child.on('close', (code) => (code === 0 || code === 1 ? resolve(JSON.parse(stdout) as LintResult[]) : reject(new Error(stderr))));
    child.stdin.end(stdin ?? '');
  });
}

describe('libs/domain import rule', () => {
  it('finds no forbidden import in the domain library', async () => {
    const results = await lint(['libs/domain']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`));
    expect(results.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  }, 60000);

  it.each([
    ["import { Injectable } from '@nestjs/common';", 'Nest'],
    ["import { Entity } from 'typeorm';", 'TypeORM'],
    ["import pg from 'pg';", 'database drivers'],
    ["import { PostgresEventStore } from '../../event-store/src/index.js';", 'depends on nothing else'],
  ])('refuses %s', async (source, reason) => {
    const results = await lint(['--stdin', '--stdin-filename', 'libs/domain/src/lead/probe.ts'], `${source}\nexport const x = 1;\n`);
    const messages = results.flatMap((r) => r.messages);
    expect(messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
    expect(messages.map((m) => m.message).join(' ')).toContain(reason);
  }, 60000);

  it('allows those imports outside the domain library', async () => {
    const results = await lint(['--stdin', '--stdin-filename', 'apps/api/src/probe.ts'], "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n");
    expect(results.flatMap((r) => r.messages)).toEqual([]);
  }, 60000);
});
