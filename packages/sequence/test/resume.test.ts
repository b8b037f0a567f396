import { describe, expect, test } from 'bun:test';
import { parseManifest } from '../src/manifest.ts';
import { manifestText } from './helpers.ts';

describe('the manifest resume key', () => {
  test('absent is off; after_last_completed and off as written', () => {
    expect(parseManifest(manifestText('p')).manifest?.resume).toBe('off');
    const on = parseManifest(manifestText('p', 'resume: after_last_completed\n')).manifest;
    expect(on?.resume).toBe('after_last_completed');
    expect(parseManifest(manifestText('p', 'resume: off\n')).manifest?.resume).toBe('off');
  });

  test('any other value is a located problem naming the allowed ones', () => {
    const { manifest, problems } = parseManifest(manifestText('p', 'resume: from_the_start\n'));
    expect(manifest).toBeUndefined();
    expect(problems.map((p) => ({ code: p.code, path: p.path, line: p.line, message: p.message }))).toEqual([
      {
        code: 'SCHEMA',
        path: 'resume',
        line: 4,
        message: 'expected one of off, after_last_completed',
      },
    ]);
  });
});
