// Batch hosts (`hosts[]`, `batches[].host`): a batch placed on another machine names a listed host, host
// names are unique, and the broker a remote runner must reach listens on tcp://.
import { afterEach, describe, expect, test } from 'bun:test';
import { parseConfig } from '../src/index.ts';
import { at, issuesOf, removeTempStations, tempStation, yaml } from './helpers.ts';

afterEach(removeTempStations);

const TCP = ['ipc:', '  service_bus: tcp://10.0.0.1:5555', '  event_pub: tcp://10.0.0.1:5556'];

describe('batch hosts', () => {
  test('a batch on a listed host loads, with the host and its defaults', () => {
    const root = tempStation();
    const config = parseConfig(
      yaml(
        'station: { id: s1 }',
        ...TCP,
        'hosts:',
        '  - { name: rack-2 }',
        'batches:',
        '  - { id: b1, sequence_package: p, host: rack-2 }',
        '  - { id: b2, sequence_package: p }',
      ),
      'station.yaml',
      {},
      { cwd: root },
    );
    expect(config.hosts).toEqual([{ name: 'rack-2', description: '' }]);
    expect(config.batches.map((b) => [b.id, b.host])).toEqual([
      ['b1', 'rack-2'],
      ['b2', undefined],
    ]);
  });

  test('a host nobody listed is refused where the batch names it, with the hosts there are', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        ...TCP,
        'hosts:',
        '  - { name: rack-2 }',
        '  - { name: rack-3 }',
        'batches:',
        '  - { id: b1, sequence_package: p, host: rack-9 }',
      ),
    );
    expect(issues).toEqual([at(9, 42, 'batches[0].host', 'unknown host "rack-9" (hosts: rack-2, rack-3)')]);
  });

  test('a host name twice, and a host name outside the id alphabet', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'hosts:',
        '  - { name: rack-2 }',
        '  - { name: rack-2 }',
        '  - { name: "a b" }',
      ),
    );
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [4, 'hosts[1].name', 'duplicate host name "rack-2" (already used by hosts[0])'],
      [5, 'hosts[2].name', 'expected 1-64 letters, digits, "_" or "-", found "a b"'],
    ]);
  });

  test('a remote batch on a station whose broker listens only on unix sockets is refused', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'ipc: { service_bus: tcp://10.0.0.1:5555 }',
        'hosts: [{ name: rack-2 }]',
        'batches:',
        '  - { id: b1, sequence_package: p, host: rack-2 }',
      ),
    );
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      [
        'ipc',
        'batches[0] runs on another host, so the broker must be reachable over tcp://: set remote (with CURVE), or ipc.event_pub to a tcp:// endpoint the host can reach (it is a unix socket by default)',
      ],
    ]);
  });

  test('hosts listed but no batch on them: the broker may stay on unix sockets', () => {
    const root = tempStation();
    expect(() =>
      parseConfig(
        yaml('station: { id: s1 }', 'hosts: [{ name: rack-2 }]'),
        'station.yaml',
        {},
        { cwd: root },
      ),
    ).not.toThrow();
  });
});
