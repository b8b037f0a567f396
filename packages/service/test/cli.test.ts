// The shared command line: what parses, what is refused with which message, and the help text.
import { describe, expect, test } from 'bun:test';
import { CliError, type CliSpec, parseCli, usage } from '../src/cli.ts';

const spec: CliSpec = {
  command: 'bun thing.ts',
  summary: 'Does a thing.',
  positionals: [{ name: 'what', description: 'which thing', choices: ['a', 'b'] }],
  options: [
    { name: 'batch', value: 'ID', description: 'the batch', required: true },
    { name: 'quick', description: 'a switch' },
  ],
  service: true,
};

function refusal(argv: string[]): string {
  try {
    parseCli(spec, argv);
  } catch (err) {
    if (err instanceof CliError) return err.message;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
}

describe('parseCli', () => {
  test('options in both spellings, switches, service options and the positional', () => {
    expect(
      parseCli(spec, [
        'a',
        '--config=x.yaml',
        '--batch',
        'b1',
        '--quick',
        '--station',
        's1',
        '--parent-pid',
        '42',
      ]),
    ).toEqual({
      help: false,
      values: { config: 'x.yaml', batch: 'b1', quick: 'true', station: 's1', 'parent-pid': '42' },
      lists: {},
      positionals: ['a'],
    });
  });

  test('--help and -h win over everything else, even an unknown option', () => {
    for (const argv of [['--help'], ['-h'], ['--bogus', '--help'], ['b', '--help', '--batch']]) {
      expect(parseCli(spec, argv)).toEqual({ help: true, values: {}, lists: {}, positionals: [] });
    }
  });

  test.each([
    [['a', '--batch', 'b', '--bogus'], 'unknown option --bogus'],
    [['a', '--batch', 'b', '--confg', 'x'], 'unknown option --confg'],
    [['a'], '--batch ID is required'],
    [['a', '--batch'], '--batch needs a value: --batch ID'],
    [['a', '--batch', '--quick'], '--batch needs a value: --batch ID'],
    [['--batch', 'b'], '<what> is required'],
    [['c', '--batch', 'b'], '<what> must be one of a, b, not "c"'],
    [['a', 'b', '--batch', 'b'], 'unexpected argument "b"'],
  ])('%j is refused: %s', (argv, message) => {
    expect(refusal(argv)).toBe(message);
  });

  test('a command without positionals or options of its own takes only --config', () => {
    const bare: CliSpec = { command: 'bun x.ts', summary: 'x' };
    expect(parseCli(bare, ['--config', 'c.yaml']).values).toEqual({ config: 'c.yaml' });
    expect(() => parseCli(bare, ['--station', 's'])).toThrow('unknown option --station');
    expect(() => parseCli(bare, ['extra'])).toThrow('unexpected argument "extra"');
  });

  const tool: CliSpec = {
    command: 'station check',
    summary: 'x',
    config: false,
    positionals: [{ name: 'folder', description: 'packages', variadic: true }],
    options: [{ name: 'param', value: 'K=V', description: 'a parameter', multiple: true }],
  };

  test('a repeatable option collects every value in order; a variadic positional takes one or more', () => {
    expect(parseCli(tool, ['a', '--param', 'x=1', 'b', '--param=y=2'])).toEqual({
      help: false,
      values: {},
      lists: { param: ['x=1', 'y=2'] },
      positionals: ['a', 'b'],
    });
    expect(parseCli(tool, ['a']).lists).toEqual({ param: [] });
    expect(() => parseCli(tool, [])).toThrow('<folder> is required');
  });

  test('a command that reads no station.yaml refuses --config', () => {
    expect(() => parseCli(tool, ['a', '--config', 'c.yaml'])).toThrow('unknown option --config');
    expect(usage(tool)).toBe(
      [
        'usage: station check <folder>... [options]',
        '',
        'x',
        '',
        'arguments:',
        '  <folder>...',
        '      packages',
        'options:',
        '  --param K=V (repeatable)',
        '      a parameter',
        '  --help',
        '      print this help and exit',
        '',
      ].join('\n'),
    );
  });
});

test('usage lists the positional, every option with its value and description, and --help', () => {
  expect(usage(spec)).toBe(
    [
      'usage: bun thing.ts <a|b> [options]',
      '',
      'Does a thing.',
      '',
      'arguments:',
      '  <what>',
      '      which thing',
      'options:',
      '  --config PATH',
      '      station.yaml to use (default: $STATION_CONFIG, config/station.yaml, the shipped example)',
      '  --batch ID (required)',
      '      the batch',
      '  --quick',
      '      a switch',
      '  --station ID',
      "      marks the process as this station's in `ps` (not read)",
      '  --parent-pid PID',
      '      stop when this process is gone (set by the launcher)',
      '  --help',
      '      print this help and exit',
      '',
    ].join('\n'),
  );
});
