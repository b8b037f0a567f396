// `npm run test:stress`: the whole test suite while stress-ng keeps every core busy, so tests that depend
// on timing rather than events fail here instead of on a busy CI machine.
// Usage: bun scripts/test-stress.ts [--runs N] [bun test arguments: paths, -t pattern...]
// Exits 0 only when every run passed; stops at the first failing run.
import { availableParallelism } from 'node:os';

function parseArgs(argv: string[]): { runs: number; testArgs: string[] } {
  let runs = 1;
  const testArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg !== '--runs' && !arg.startsWith('--runs=')) {
      testArgs.push(arg);
      continue;
    }
    const value = arg === '--runs' ? argv[++i] : arg.slice('--runs='.length);
    if (value === undefined || !/^[1-9]\d*$/.test(value)) {
      console.error('usage: bun scripts/test-stress.ts [--runs N] [bun test arguments...]');
      process.exit(2);
    }
    runs = Number(value);
  }
  return { runs, testArgs };
}

function stressNgPath(): string {
  const found = Bun.which('stress-ng');
  if (!found) {
    console.error(
      'stress-ng is not installed (Debian/Ubuntu: apt-get install stress-ng; or bash .ci/run --stress)',
    );
    process.exit(2);
  }
  return found;
}

const { runs, testArgs } = parseArgs(process.argv.slice(2));
const cores = availableParallelism();
// One CPU hog per core at normal priority: every process a test starts, and every wait in it, competes for
// a CPU the way it does on a loaded station or CI runner.
// The timeout bounds it even if this script is SIGKILLed and cannot stop it.
const bound = `${runs * 30}m`;
const stress = Bun.spawn([stressNgPath(), '--cpu', String(cores), '--timeout', bound, '--quiet'], {
  stdin: 'ignore',
  stdout: 'ignore',
  stderr: 'inherit',
});
const stopStress = () => {
  if (stress.exitCode === null && stress.signalCode === null) stress.kill('SIGTERM');
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopStress();
    process.exit(130);
  });
}

let failedRun = 0;
try {
  for (let run = 1; run <= runs; run++) {
    console.log(`\n=== test:stress run ${run}/${runs}: ${cores} stress-ng CPU workers (pid ${stress.pid})`);
    const started = performance.now();
    const test = Bun.spawn([process.execPath, 'test', ...testArgs], {
      stdin: 'ignore',
      stdout: 'inherit',
      stderr: 'inherit',
    });
    const code = await test.exited;
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    console.log(
      `=== test:stress run ${run}/${runs}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds} s`,
    );
    if (stress.exitCode !== null) throw new Error(`stress-ng exited early (${stress.exitCode})`);
    if (code !== 0) {
      failedRun = run;
      break;
    }
  }
} finally {
  stopStress();
  await stress.exited;
}
if (failedRun > 0) process.exit(1);
console.log(`test:stress: ${runs} run(s) passed under load`);
