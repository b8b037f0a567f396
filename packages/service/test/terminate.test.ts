import { afterEach, describe, expect, test } from 'bun:test';
import type { Subprocess } from 'bun';
import { type Killable, terminate } from '../src/terminate.ts';

const spawned: Subprocess[] = [];
afterEach(() => {
  for (const proc of spawned.splice(0)) proc.kill('SIGKILL');
});

/** A real child that has printed `ready` (so its signal dispositions are in place). */
async function child(script: string): Promise<Subprocess<'ignore', 'pipe', 'inherit'>> {
  const proc = Bun.spawn(['sh', '-c', script], { stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' });
  spawned.push(proc);
  const reader = proc.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  expect(new TextDecoder().decode(value)).toBe('ready\n');
  return proc;
}

describe('terminate', () => {
  test('a child that honours SIGTERM ends by it, and SIGKILL is never sent', async () => {
    const proc = await child('echo ready; exec sleep 30');
    const signals: string[] = [];
    const by = await terminate(proc, { graceMs: 20_000, onSignal: (s) => signals.push(s) });
    expect({ by, signals, signal: proc.signalCode }).toEqual({
      by: 'SIGTERM',
      signals: ['SIGTERM'],
      signal: 'SIGTERM',
    });
  });

  test('a child that ignores SIGTERM is killed after the grace', async () => {
    const proc = await child("trap '' TERM; echo ready; exec sleep 30");
    const signals: string[] = [];
    const by = await terminate(proc, { graceMs: 200, onSignal: (s) => signals.push(s) });
    expect({ by, signals, signal: proc.signalCode }).toEqual({
      by: 'SIGKILL',
      signals: ['SIGTERM', 'SIGKILL'],
      signal: 'SIGKILL',
    });
  });

  test('a process that outlives the wait after SIGKILL is reported alive', async () => {
    const sent: string[] = [];
    const stuck: Killable = { exited: new Promise(() => {}), kill: (signal) => sent.push(signal) };
    expect(await terminate(stuck, { graceMs: 10, killGraceMs: 10 })).toBe('alive');
    expect(sent).toEqual(['SIGTERM', 'SIGKILL']);
  });
});
