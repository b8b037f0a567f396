// Test support for the browser suite: a real station (launcher -> broker, supervisor, sync agent,
// gateway, runners) on temp files and a free port, the UI built into a temp folder, and Chromium.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type FixtureProcess, freePort, spawnFixture, until } from '../../../tests/support/process.ts';

export { freePort };

import { REPO, type TempStation, tempStation } from '../../../tests/support/station.ts';
import { buildUi } from '../build.ts';

const SHOTS = join(REPO, 'docs/screenshots');

/**
 * Where a screenshot goes: docs/screenshots when it is missing there or UPDATE_SCREENSHOTS=1, else a temp
 * file, so an ordinary test run does not leave changed images in the working tree.
 */
export function shotPath(name: string, tempDir: string): string {
  const committed = join(SHOTS, name);
  if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(committed)) {
    mkdirSync(SHOTS, { recursive: true });
    return committed;
  }
  return join(tempDir, name);
}

/** Three slots: a passing package, the failure-path package, and one whose runner gets killed. */
export const BATCHES = `  - id: slot_1
    name: Slot 1 - PSU functional
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    restart: { policy: never }
  - id: slot_2
    name: Slot 2 - failure paths
    sequence_package: failure_paths
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm }, relay: { driver: sim_relay } }
    restart: { policy: never }
  - id: slot_3
    name: Slot 3 - PSU functional
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    restart: { policy: never }`;

/** A port nothing listens on right now (the gateway's port comes from station.yaml, not port 0). */

export interface UiStation extends AsyncDisposable {
  st: TempStation;
  base: string;
  launcher: FixtureProcess;
  /** Where the UI was built (STATION_UI_DIR); a rebuild there is what the next page load gets. */
  uiDir: string;
  /** Pids of processes started for this station whose command line contains `pattern`. */
  pidsOf(pattern: string): number[];
}

/** Every process whose arguments name this station's config file (services and runners). */
function stationProcesses(configPath: string): { pid: number; args: string }[] {
  const out = Bun.spawnSync(['ps', '-eo', 'pid=,args=']).stdout.toString();
  return out
    .split('\n')
    .filter((l) => l.includes(configPath) && !l.includes('ps -eo'))
    .map((l) => ({ pid: Number.parseInt(l.trim(), 10), args: l }));
}

/**
 * Starts the whole station with the launcher and a freshly built UI (in a temp folder, so a running
 * station's apps/ui/dist is never touched); `apiKey` (or `authYaml`) turns auth on. Disposing stops and removes it all.
 */
export async function startUiStation(
  batchesYaml: string,
  packages: string[],
  apiKey?: string,
  /** A whole `server.auth` mapping (flow style) instead of the one API key. */
  authYaml?: string,
  /** More top-level YAML (e.g. a `storage:` section). */
  moreYaml?: string,
  /** The station's name in the bar (default Test Station). */
  name?: string,
): Promise<UiStation> {
  const port = freePort();
  const uiDir = mkdtempSync(join(tmpdir(), 'st-ui-'));
  const auth = authYaml ?? (apiKey ? `{ enabled: true, api_keys: ["${apiKey}"] }` : undefined);
  const st = tempStation({
    packages: packages.map((p) => (isAbsolute(p) ? p : join(REPO, 'sequences', p))),
    extraYaml: [
      auth ? `server: { port: ${port}, auth: ${auth} }` : `server: { port: ${port} }`,
      moreYaml ?? '',
    ].join('\n'),
    batchesYaml,
    ...(name ? { name } : {}),
  });
  let launcher: FixtureProcess | undefined;
  const cleanup = async () => {
    // SIGTERM first so the launcher stops its services in order; then nothing may be left.
    await launcher?.kill('SIGTERM').catch(() => undefined);
    for (const p of stationProcesses(st.configPath)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await st.cleanup();
    rmSync(uiDir, { recursive: true, force: true });
  };
  try {
    await buildUi(uiDir);
    launcher = st.track(
      spawnFixture(join(REPO, 'apps/launcher/src/main.ts'), ['--config', st.configPath], {
        STATION_UI_DIR: uiDir,
      }),
    );
    await launcher.waitFor(/^Station .* ready: UI /, 60_000);
    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/`)).ok, 'the gateway serving the UI', 20_000, 100);
    const started = launcher;
    return {
      st,
      base,
      launcher: started,
      uiDir,
      pidsOf: (pattern) =>
        stationProcesses(st.configPath)
          .filter((p) => p.args.includes(pattern))
          .map((p) => p.pid),
      [Symbol.asyncDispose]: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Debian's Chromium, headless, with everything that would reach the network switched off. */
export function launchChromium(): Promise<Browser> {
  const executablePath = '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(`${executablePath} is missing: apt-get install -y chromium (.ci/run does this)`);
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** A station and a desktop page on it (1366x900, English, 30 s per action), at the station's address. */
export interface UiSession {
  station: UiStation;
  browser: Browser;
  page: Page;
}

/**
 * Starts the station `start` makes and Chromium with a desktop page on it, for a file's `beforeAll`;
 * `closeUi` in its `afterAll` closes both. A browser that cannot start takes the station down with it.
 */
export async function openUi(start: () => Promise<UiStation>): Promise<UiSession> {
  const station = await start();
  try {
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    page.setDefaultTimeout(30_000);
    await page.goto(station.base);
    return { station, browser, page };
  } catch (err) {
    await station[Symbol.asyncDispose]();
    throw err;
  }
}

/** Closes what `openUi` opened (either may be missing when `beforeAll` failed). */
export async function closeUi(station: UiStation | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
}
