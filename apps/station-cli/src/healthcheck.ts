// `station healthcheck [service...]`: the containers' health check (apps/launcher/src/healthcheck.ts, one
// process per service, exactly as docker-compose.yml runs it) for every service at once, with a line each.
import { fileURLToPath } from 'node:url';
import { SERVICES } from '@station/service/services';
import { type Command, paint } from './command.ts';

const CHECK = fileURLToPath(new URL('../../launcher/src/healthcheck.ts', import.meta.url));

/** Runs the health check of one service; resolves with whether it answered and what it said if not. */
export async function checkService(
  service: string,
  config: string | undefined,
): Promise<{ ok: boolean; message: string }> {
  const proc = Bun.spawn([process.execPath, CHECK, service, ...(config ? ['--config', config] : [])], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  await new Response(proc.stdout).text();
  // The check names its service first; the line here already does.
  const first = (err.trim().split('\n')[0] ?? '').replace(`${service}: `, '');
  return { ok: code === 0, message: first };
}

export const healthcheck: Command = {
  spec: {
    command: 'station healthcheck',
    summary:
      'Asks each station service whether it answers (the containers’ health check), a line per service.\nExits 0 when every one asked answers, 1 otherwise.',
    positionals: [
      {
        name: 'service',
        description: `the services to ask (default: all: ${SERVICES.join(', ')})`,
        choices: SERVICES,
        variadic: true,
        optional: true,
      },
    ],
  },
  async run(cli, io) {
    const c = paint(io.colour);
    const asked = cli.positionals.length > 0 ? cli.positionals : [...SERVICES];
    const results = await Promise.all(asked.map((s) => checkService(s, cli.values.config)));
    const width = Math.max(...asked.map((s) => s.length));
    results.forEach((r, i) => {
      const name = asked[i] ?? '';
      io.out(
        r.ok
          ? `${c.green('ok')}    ${name}\n`
          : `${c.red('down')}  ${name.padEnd(width)}  ${r.message || 'not answering'}\n`,
      );
    });
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
