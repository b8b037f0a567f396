// The UI's languages with i18next: Korean and English resources (src/locales), the language chosen by the
// operator on this page (kept in localStorage), else station.yaml `ui.language`, else the browser's.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en.ts';
import { ko } from './locales/ko.ts';

/** The languages the UI speaks, in the order the switcher offers them. */
export const LANGUAGES = ['ko', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const CHOSEN_KEY = 'station.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** `ko-KR` -> ko; anything else the UI does not speak -> undefined. */
function base(tag: string | undefined | null): Language | undefined {
  const code = tag?.toLowerCase().split('-')[0];
  return isLanguage(code) ? code : undefined;
}

function stored(): Language | undefined {
  try {
    return base(globalThis.localStorage?.getItem(CHOSEN_KEY));
  } catch {
    return undefined;
  }
}

function browser(): Language | undefined {
  const nav = globalThis.navigator as Navigator | undefined;
  for (const tag of nav?.languages ?? [nav?.language]) {
    const found = base(tag);
    if (found) return found;
  }
  return undefined;
}

i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ko: { translation: ko } },
  lng: stored() ?? browser() ?? 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  initAsync: false,
});

function mark(lng: string): void {
  if (globalThis.document) globalThis.document.documentElement.lang = lng;
}
mark(i18n.language);
i18n.on('languageChanged', mark);

/** The station's configured language applies unless the operator chose one on this browser. */
export function applyStationLanguage(configured: string | null | undefined): void {
  const lng = base(configured);
  if (lng && !stored() && i18n.language !== lng) void i18n.changeLanguage(lng);
}

/** The operator's choice: applied now and kept for the next visit. */
export function chooseLanguage(lng: Language): void {
  try {
    globalThis.localStorage?.setItem(CHOSEN_KEY, lng);
  } catch {
    // storage refused (private mode): the choice lasts for this page
  }
  void i18n.changeLanguage(lng);
}

/** The current language, for Intl formatting outside React. */
export function language(): Language {
  return base(i18n.language) ?? 'en';
}

export const t = i18n.t.bind(i18n);
export { i18n };
