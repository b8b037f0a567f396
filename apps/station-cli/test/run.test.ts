// `station run`: exit codes a script can rely on, the store written as a runner writes it, reports a CI
// system reads, and Ctrl-C that aborts like the UI's abort (cleanup steps run).

import { Database } from 'bun:sqlite';
import { expect, test } from 'bun:test';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '@station/db';
import { verdictOf } from '@station/model';
import { XMLParser } from 'fast-xml-parser';
import { spawnFixture } from '../../../tests/support/process.ts';
import { REPO } from '../../../tests/support/station.ts';
import { EXIT_CODES } from '../src/terminal.ts';
import { MAIN, station, tempDir, withPackages } from './station.ts';

test.each([
  ['pass', 0, /^PASS {2}exit_codes 1\.2\.3: 4\/4 steps in /m],
  ['fail', 1, /^FAIL {2}exit_codes 1\.2\.3: 2\/4 steps in .* work: .*reading = 7 V is outside \[1, 2\] V/m],
  // A step past its timeout fails the unit, as it does on the station (the verdict is the station's).
  ['timeout', 1, /^FAIL {2}exit_codes 1\.2\.3: 3\/4 steps in .* slow: step slow timed out/m],
])('mode=%s exits %d', async (mode, code, verdict) => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'exit_codes');
  const r = await station(['run', 'exit_codes', '--param', `mode=${mode}`], tmp.dir);
  expect({ code: r.code, err: r.err }).toEqual({ code, err: '' });
  expect(r.out).toMatch(verdict);
  // The cleanup step runs whatever happened before.
  expect(r.out).toMatch(/^ {2}PASS {2}4\/4 cleanup/m);
});

test.each(['pass', 'fail', 'timeout'])(
  'mode=%s: the terminal gives the verdict the station gives the stored run',
  async (mode) => {
    using tmp = tempDir();
    withPackages(tmp.dir, 'exit_codes');
    const storePath = join(tmp.dir, 'station.db');
    const r = await station(['run', 'exit_codes', '--param', `mode=${mode}`, '--store', storePath], tmp.dir);
    const store = openStore(storePath);
    try {
      const [summary] = store.listResults({}).items;
      const result = summary ? store.getResult(summary.id) : null;
      // The station's verdict of this run: what the gateway, the supervisor and a runner derive from it.
      const station = result ? verdictOf(result) : null;
      if (!station) throw new Error(`no finished run stored: ${r.out}${r.err}`);
      expect(r.out).toMatch(new RegExp(`^${station} {2}exit_codes 1\\.2\\.3:`, 'm'));
      expect(r.code).toBe(EXIT_CODES[station]);
      expect(station).toBe(({ pass: 'PASS', fail: 'FAIL', timeout: 'FAIL' } as const)[mode]);
    } finally {
      store.close();
    }
  },
);

test.each([
  [
    ['--param', 'mode=sideways'],
    'station run: invalid parameters\n  --param mode: "sideways" is not allowed: expected one of "pass", "fail", "timeout", "wait"\n',
  ],
  [
    ['--param', 'reading=high'],
    'station run: invalid parameters\n  --param reading: expected a number, found "high"\n',
  ],
  [['--param', 'nope=1'], 'station run: invalid parameters\n  --param nope: unknown parameter\n'],
  [['--param', 'mode'], 'station run: --param "mode": expected name=value\n'],
  [
    ['--hardware', 'meter=no_such_driver'],
    'station run: INVALID_HARDWARE_CONFIG: invalid hardware configuration: meter.driver unknown driver "no_such_driver"',
  ],
  [
    ['--hardware', 'scope=sim_dmm'],
    'station run: UNKNOWN_HARDWARE: hardware not declared by exit_codes: scope\n',
  ],
  [['--report', 'out.html'], 'station run: --report out.html: name a .xml (JUnit) or .json file\n'],
])('%j is refused before anything runs (exit 2)', async (args, message) => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'exit_codes');
  const r = await station(['run', 'exit_codes', ...args], tmp.dir);
  expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: '' });
  expect(r.err).toStartWith(message);
});

test('a store that cannot be opened is named, and nothing runs (exit 2)', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'exit_codes');
  const r = await station(['run', 'exit_codes', '--store', 'exit_codes'], tmp.dir);
  expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: '' });
  expect(r.err).toStartWith('station run: cannot open the store at exit_codes');
});

test('an invalid package is refused with its problems located (exit 2)', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'almost_right');
  const r = await station(['run', 'almost_right'], tmp.dir);
  expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: '' });
  expect(r.err.split('\n')).toEqual([
    'almost_right/manifest.yaml:2:7 name: name "almost" differs from the folder name "almost_right"; requests name packages by folder',
    'station run: almost_right is not a valid package (1 problem)',
    '',
  ]);
});

test('--param values are read as their manifest type; --store keeps the result as a runner records it', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'exit_codes');
  const store = join(tmp.dir, 'station.db');
  const r = await station(
    [
      'run',
      'exit_codes',
      '--param',
      'reading=1.25',
      '--store',
      store,
      '--operator',
      'op7',
      '--serial',
      'SN-0007',
    ],
    tmp.dir,
  );
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  const db = new Database(store, { readonly: true });
  try {
    const ex = db
      .query(
        'SELECT id, batch_id, sequence_name, sequence_version, status, overall_pass, parameters, operator, status_reason, serial_number FROM executions',
      )
      .all();
    expect(ex).toEqual([
      {
        id: expect.stringMatching(/^exec_/),
        batch_id: 'terminal',
        sequence_name: 'exit_codes',
        sequence_version: '1.2.3',
        status: 'completed',
        overall_pass: 1,
        parameters: JSON.stringify({ mode: 'pass', reading: 1.25 }),
        operator: 'op7',
        status_reason: null,
        serial_number: 'SN-0007',
      },
    ]);
    const steps = db.query('SELECT name, status, pass FROM step_results ORDER BY step_order').all();
    expect(steps).toEqual(
      ['work', 'slow', 'after', 'cleanup'].map((name) => ({ name, status: 'completed', pass: 1 })),
    );
    const measured = db
      .query('SELECT name, value, value_text, unit, low, high, pass FROM measurements ORDER BY id')
      .all();
    expect(measured).toEqual([
      { name: 'reading', value: 1.25, value_text: null, unit: 'V', low: 1, high: 2, pass: 1 },
      { name: 'mode', value: null, value_text: '"pass"', unit: null, low: null, high: null, pass: 1 },
    ]);
    // Finished and queued for the Backend in one go, as every result of a station is.
    expect(db.query('SELECT COUNT(*) AS n FROM sync_queue').get()).toEqual({ n: 1 });
  } finally {
    db.close();
  }
});

test('--report: JUnit XML with the failure and its measurements, and the result JSON as stored', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'exit_codes');
  const r = await station(
    [
      'run',
      'exit_codes',
      '--param',
      'mode=fail',
      '--serial',
      'SN-0042',
      '--report',
      'junit.xml',
      '--report',
      'result.json',
    ],
    tmp.dir,
  );
  expect(r.code).toBe(1);
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
    readFileSync(join(tmp.dir, 'junit.xml'), 'utf8'),
  );
  const suite = xml.testsuites.testsuite;
  expect({
    tests: suite.tests,
    failures: suite.failures,
    errors: suite.errors,
    skipped: suite.skipped,
  }).toEqual({
    tests: '4',
    failures: '1',
    errors: '0',
    skipped: '2',
  });
  const props = Object.fromEntries(
    suite.properties.property.map((p: { name: string; value: string }) => [p.name, p.value]),
  );
  expect(props).toMatchObject({
    sequence_version: '1.2.3',
    serial_number: 'SN-0042',
    'parameter.mode': '"fail"',
  });
  const [work, slow, after, cleanup] = suite.testcase;
  expect(work.failure.type).toBe('STEP_FAILED');
  expect(work.failure['#text']).toContain('reading = 7 V (low 1 high 2): FAIL');
  expect(work.failure['#text']).toContain('mode = "fail" (= "pass"): FAIL');
  expect([slow.name, 'skipped' in slow, after.name, 'skipped' in after]).toEqual([
    'slow',
    true,
    'after',
    true,
  ]);
  expect({ name: cleanup.name, failure: cleanup.failure, error: cleanup.error }).toEqual({
    name: 'cleanup',
    failure: undefined,
    error: undefined,
  });

  const result = JSON.parse(readFileSync(join(tmp.dir, 'result.json'), 'utf8'));
  expect(result).toMatchObject({ sequenceName: 'exit_codes', status: 'failed', overallPass: false });
  expect(result.steps.map((s: { name: string; status: string }) => `${s.name} ${s.status}`)).toEqual([
    'work failed',
    'slow skipped',
    'after skipped',
    'cleanup completed',
  ]);
  expect(props.execution_id).toBe(result.id);
});

test('Ctrl-C aborts like the UI: the cleanup step runs, the result is stopped/ABORTED, exit 2', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'exit_codes');
  const store = join(tmp.dir, 'station.db');
  await using run = spawnFixture(
    MAIN,
    ['run', join(tmp.dir, 'exit_codes'), '--param', 'mode=wait', '--store', store],
    {
      NO_COLOR: '1',
    },
  );
  await run.waitFor('waiting for Ctrl-C');
  run.proc.kill('SIGINT');
  expect(await run.exited).toBe(2);
  expect(run.lines).toContainEqual(expect.stringMatching(/^ {2}PASS {2}4\/4 cleanup/));
  expect(run.lines).toContainEqual(expect.stringMatching(/^ABORTED {2}exit_codes 1\.2\.3: 2\/4 steps/));
  expect(run.errLines).toContain('SIGINT: aborting; cleanup steps still run (again to quit without them)');
  const db = new Database(store, { readonly: true });
  try {
    expect(db.query('SELECT status, overall_pass, status_reason FROM executions').all()).toEqual([
      { status: 'stopped', overall_pass: 0, status_reason: 'ABORTED' },
    ]);
    expect(db.query('SELECT name, status FROM step_results ORDER BY step_order').all()).toEqual([
      { name: 'work', status: 'failed' },
      { name: 'slow', status: 'skipped' },
      { name: 'after', status: 'skipped' },
      { name: 'cleanup', status: 'completed' },
    ]);
  } finally {
    db.close();
  }
});

test('prompts are asked on the terminal: answers from stdin, a wrong one asked again, all recorded', async () => {
  using tmp = tempDir();
  cpSync(join(REPO, 'sequences/unit_checkout'), join(tmp.dir, 'unit_checkout'), { recursive: true });
  const store = join(tmp.dir, 'station.db');
  const answers = ['yes', '1', 'AB12', 'AB123456', '3.31', ''].join('\n');
  const r = await station(
    ['run', 'unit_checkout', '--store', store, '--operator', 'op7'],
    tmp.dir,
    {},
    answers,
  );
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  expect(r.out).toContain(
    [
      '          ? Scan the serial label on the unit [[A-Z]{2}[0-9]{6}]',
      '          > AB12',
      '          "AB12" does not match [A-Z]{2}[0-9]{6}',
      '          ? Scan the serial label on the unit [[A-Z]{2}[0-9]{6}]',
      '          > AB123456',
    ].join('\n'),
  );
  const db = new Database(store, { readonly: true });
  try {
    expect(
      db
        .query('SELECT step_name, kind, status, answer, answered_by FROM step_prompts ORDER BY step_order')
        .all(),
    ).toEqual([
      { step_name: 'insert_unit', kind: 'confirm', status: 'answered', answer: 'true', answered_by: 'op7' },
      { step_name: 'check_led', kind: 'choice', status: 'answered', answer: '"green"', answered_by: 'op7' },
      { step_name: 'scan_label', kind: 'text', status: 'answered', answer: '"AB123456"', answered_by: 'op7' },
      {
        step_name: 'read_test_point',
        kind: 'number',
        status: 'answered',
        answer: '3.31',
        answered_by: 'op7',
      },
    ]);
  } finally {
    db.close();
  }
});

test('a prompt with nobody to answer (stdin closed) aborts the run, saying why; cleanup runs; exit 2', async () => {
  using tmp = tempDir();
  cpSync(join(REPO, 'sequences/unit_checkout'), join(tmp.dir, 'unit_checkout'), { recursive: true });
  const store = join(tmp.dir, 'station.db');
  const r = await station(['run', 'unit_checkout', '--store', store], tmp.dir);
  expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: '' });
  expect(r.out).toContain('          nobody can answer: standard input is closed\n');
  expect(r.out).toMatch(/^ {2}PASS {2}5\/5 power_down/m);
  const db = new Database(store, { readonly: true });
  try {
    expect(db.query('SELECT status, status_reason, error FROM executions').all()).toEqual([
      {
        status: 'stopped',
        status_reason: 'ABORTED',
        error: expect.stringContaining('ABORTED'),
      },
    ]);
  } finally {
    db.close();
  }
});

/** `station run` on a pseudo-terminal (util-linux `script`), as a person at a terminal sees it. */
async function onTerminal(dir: string, env: Record<string, string>): Promise<string> {
  const command = [process.execPath, MAIN, 'run', 'exit_codes'].map((a) => `'${a}'`).join(' ');
  const proc = Bun.spawn(['script', '-qec', command, '/dev/null'], {
    cwd: dir,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, NO_COLOR: '', ...env },
  });
  const out = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  return out;
}

test('on a terminal: the running step line is replaced by its result, verdicts in colour unless NO_COLOR', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'exit_codes');
  const coloured = await onTerminal(tmp.dir, {});
  // Cursor up and clear line, then the step's result in green.
  expect(coloured).toContain('\x1b[1A\x1b[2K  \x1b[32mPASS\x1b[0m  1/4 work');
  expect(coloured).toContain('\x1b[32mPASS\x1b[0m  exit_codes 1.2.3: 4/4 steps');
  const plain = await onTerminal(tmp.dir, { NO_COLOR: '1' });
  expect(plain).toContain('\x1b[1A\x1b[2K  PASS  1/4 work');
  // No SGR sequence (ESC [ n m) anywhere.
  expect(plain).not.toMatch(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`));
});

test('--serial is checked against the manifest before anything runs; a serial a step reads is recorded', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'unit_serial');
  const bad = await station(['run', 'unit_serial', '--serial', 'XX-1'], tmp.dir);
  expect(bad).toEqual({
    code: 2,
    out: '',
    err: 'station run: --serial: serial number "XX-1" does not match the pattern SN-[0-9]{4} (manifest dut.serial_pattern)\n',
  });

  const store = join(tmp.dir, 'station.db');
  const given = await station(['run', 'unit_serial', '--serial', 'SN-0001', '--store', store], tmp.dir);
  expect({ code: given.code, err: given.err }).toEqual({ code: 0, err: '' });
  expect(given.out).toContain('\nunit        SN-0001\n');
  const read = await station(
    ['run', 'unit_serial', '--param', 'read=true', '--store', store, '--report', 'junit.xml'],
    tmp.dir,
  );
  expect({ code: read.code, err: read.err }).toEqual({ code: 0, err: '' });
  expect(read.out).toContain('          unit  SN-1234 (read by identify)\n');
  const db = new Database(store, { readonly: true });
  try {
    expect(
      db.query('SELECT serial_number, serial_source_step FROM executions ORDER BY started_at').all(),
    ).toEqual([
      { serial_number: 'SN-0001', serial_source_step: null },
      { serial_number: 'SN-1234', serial_source_step: 'identify' },
    ]);
  } finally {
    db.close();
  }
  expect(readFileSync(join(tmp.dir, 'junit.xml'), 'utf8')).toContain(
    '<property name="serial_number" value="SN-1234"/>',
  );
});
