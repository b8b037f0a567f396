// Exports a function the manifest does not list and imports a module at run time.
import { readFileSync } from 'node:fs';

export async function measure(): Promise<void> {}

export function helper(): string {
  return readFileSync('/dev/null', 'utf8');
}
