import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run.js';

const dataDir = await mkdtemp(join(tmpdir(), 'madoguchi-cli-tickets-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const tickets = (...args: string[]) => runCli(['tickets', ...args], { env: { MADOGUCHI_DATA_DIR: dataDir } });

describe('tickets CLI', () => {
  it('opens, lists, claims, resolves and reopens a ticket, with JSON output', async () => {
    const opened = await tickets(
      'open',
      '--desk',
      'jetro-chongqing',
      '--text',
      'We want a booth at a Chongqing trade show',
      '--requester',
      'cli:acme',
      '--key',
      'k1',
      '--json',
    );
    expect(opened.code).toBe(0);
    const t = JSON.parse(opened.stdout);
    expect(t).toMatchObject({ id: 'MDG-000001', desk: 'jetro-chongqing', status: 'open', assignee: null });
    expect(t.events).toHaveLength(1);
    const again = JSON.parse(
      (await tickets('open', '--desk', 'jetro-chongqing', '--text', 'same', '--key', 'k1', '--json')).stdout,
    );
    expect(again.id).toBe('MDG-000001');

    expect((await tickets('claim', 'MDG-000001', '--as', 'cli:jetro-chongqing-staff')).code).toBe(0);
    const resolved = JSON.parse(
      (
        await tickets(
          'resolve',
          'MDG-000001',
          '--as',
          'cli:jetro-chongqing-staff',
          '--note',
          'Booth arranged',
          '--json',
        )
      ).stdout,
    );
    expect(resolved).toMatchObject({ status: 'resolved', assignee: 'cli:jetro-chongqing-staff' });
    expect(resolved.events.map((e: { type: string }) => e.type)).toEqual(['created', 'claimed', 'resolved']);
    expect((await tickets('reopen', 'MDG-000001', '--as', 'cli:admin')).code).toBe(0);

    const list = JSON.parse((await tickets('list', '--desk', 'jetro-chongqing', '--json')).stdout);
    expect(list.map((x: { id: string; status: string }) => `${x.id}:${x.status}`)).toEqual([
      'MDG-000001:reopened',
    ]);
    expect(JSON.parse((await tickets('list', '--status', 'open', '--json')).stdout)).toEqual([]);
    const shown = await tickets('show', 'MDG-000001');
    expect(shown.stdout).toContain('resolved by cli:jetro-chongqing-staff: Booth arranged');
  });

  it('explains a refusal and exits 1', async () => {
    await tickets('open', '--desk', 'jbic', '--text', 'Financing question', '--key', 'k2');
    const r = await tickets('claim', 'MDG-000002', '--as', 'cli:sbic-staff');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cli:sbic-staff may not claim MDG-000002: only JBIC .* staff and admins can/);
    const missing = await tickets('show', 'MDG-999999');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No ticket MDG-999999.');
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await tickets('open', '--desk', 'nowhere', '--text', 'x')).code).toBe(2);
    expect((await tickets('claim', 'MDG-000001')).code).toBe(2);
    expect((await tickets('list', '--status', 'pending')).stderr).toContain('Unknown status');
    expect((await tickets('open', '--bogus')).code).toBe(2);
  });
});
