// The shipped example config must run as shipped: every batch's package loads, its default parameters
// are valid for the package, and its hardware section connects with the drivers it names.
import { describe, expect, test } from 'bun:test';
import { EXAMPLE_CONFIG_PATH, loadConfig } from '@station/config';
import { openHardware, requirePackage, resolveParameters } from '@station/sequence';

const { config } = loadConfig({ argv: ['--config', EXAMPLE_CONFIG_PATH], env: {} });

describe('config/station.yaml.example', () => {
  test('has four batches, one of them auto-started', () => {
    expect(config.batches.map((b) => [b.id, b.sequence_package, b.auto_start])).toEqual([
      ['batch_1', 'psu_functional', true],
      ['batch_2', 'psu_functional', false],
      ['batch_3', 'failure_paths', false],
      ['batch_4', 'unit_checkout', false],
    ]);
  });

  for (const batch of config.batches) {
    test(`${batch.id}: package, default parameters and hardware are consistent`, async () => {
      const pkg = await requirePackage(config.paths.sequences_dir, batch.sequence_package);
      expect(() => resolveParameters(pkg.manifest, batch.parameters ?? {}, {})).not.toThrow();
      const hw = await openHardware(pkg, batch.hardware);
      try {
        expect(Object.keys(hw.drivers).sort()).toEqual(Object.keys(pkg.manifest.hardware).sort());
      } finally {
        await hw.close();
      }
    });
  }
});
