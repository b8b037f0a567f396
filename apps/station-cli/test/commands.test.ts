// The `station` command itself: the command list, --help on every command, usage errors that exit 2, and
// the maintainers' health check against a real broker.
import { afterEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import { SERVICES } from '@station/service/services';
import { REPO, type TempStation, tempStation } from '../../../tests/support/station.ts';
import { station, tempDir } from './station.ts';

const COMMANDS = ['new', 'validate', 'run', 'package', 'healthcheck', 'backup', 'keys'];

test('station --help lists every command; no command or an unknown one exits 2 with the list', async () => {
  using tmp = tempDir();
  const help = await station(['--help'], tmp.dir);
  expect({ code: help.code, err: help.err }).toEqual({ code: 0, err: '' });
  const listed = help.out
    .split('commands:\n')[1]
    ?.split('\n\n')[0]
    ?.split('\n')
    .map((l) => l.trim().split(' ')[0]);
  expect(listed).toEqual(COMMANDS);
  for (const args of [[], ['bogus']]) {
    const r = await station(args, tmp.dir);
    expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: '' });
    expect(r.err).toContain('usage: station <command> [options]');
  }
});

test.each(COMMANDS)(
  'station %s --help prints its usage and exits 0; an unknown option exits 2',
  async (name) => {
    using tmp = tempDir();
    const help = await station([name, '--help'], tmp.dir);
    expect({ code: help.code, err: help.err, first: help.out.split('\n')[0] }).toEqual({
      code: 0,
      err: '',
      first: expect.stringMatching(new RegExp(`^usage: station ${name} `)),
    });
    expect(help.out).toContain('  --help\n');
    const bad = await station([name, 'x', '--bogus'], tmp.dir);
    expect({ code: bad.code, out: bad.out, first: bad.err.split('\n')[0] }).toEqual({
      code: 2,
      out: '',
      first: 'unknown option --bogus',
    });
  },
);

let st: TempStation | undefined;
afterEach(async () => {
  await st?.cleanup();
  st = undefined;
});

test('healthcheck: a line per service, exit 1 while any is down, exit 0 for the ones that answer', async () => {
  st = tempStation({ batchesYaml: '  []', packages: [join(REPO, 'sequences/psu_functional')] });
  const down = await station(['healthcheck', '--config', st.configPath], st.dir);
  expect(down.code).toBe(1);
  expect(
    down.out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
  ).toEqual(SERVICES.map((s) => `down ${s}`));
  await st.startBroker();
  const up = await station(['healthcheck', 'broker', '--config', st.configPath], st.dir);
  expect(up).toEqual({ code: 0, out: 'ok    broker\n', err: '' });
  const unknown = await station(['healthcheck', 'database', '--config', st.configPath], st.dir);
  expect({ code: unknown.code, first: unknown.err.split('\n')[0] }).toEqual({
    code: 2,
    first: `<service> must be one of ${SERVICES.join(', ')}, not "database"`,
  });
});

test.each([[['npx', '--no-install', 'station', '--help']], [[process.execPath, 'run', 'station', '--help']]])(
  'the workspace exposes the command: %j',
  async (argv) => {
    // npx finds node_modules/.bin/station (the bin of @station/station-cli, linked by npm install); bun run
    // the root package's script. Neither may reach a registry.
    const proc = Bun.spawn(argv, { cwd: REPO, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const out = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    expect(out).toStartWith('usage: station <command> [options]\n');
  },
);
