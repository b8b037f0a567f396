// The screens a station is seen on (issue 17), as the size tests and scripts/screenshots.ts use them.

export interface Screen {
  /** Short name used in test titles and the README. */
  name: string;
  width: number;
  height: number;
  /** A touch panel: every target at least 44 px (gloved fingers). */
  touch: boolean;
}

export const SCREENS: readonly Screen[] = [
  { name: 'line monitor (24-inch, dense)', width: 1920, height: 1080, touch: false },
  { name: 'laptop', width: 1366, height: 768, touch: false },
  { name: '10-inch touch panel', width: 1280, height: 800, touch: true },
  { name: 'phone', width: 390, height: 844, touch: true },
];
