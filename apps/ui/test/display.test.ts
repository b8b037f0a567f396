// Names and prompts as people read them: what a package's manifest words per language replaces the id (a
// step, a measurement) or the text a step asks with (a prompt) in the page's language, and nothing else.
import { afterAll, expect, test } from 'bun:test';
import { sequenceNames } from '../src/display.ts';
import { i18n } from '../src/i18n.ts';

const manifest = {
  steps: [
    {
      name: 'insert_unit',
      display: { ko: '제품 장착' },
      prompts: [{ message: 'Insert the unit. Done?', display: { ko: '제품을 넣으세요. 완료했습니까?' } }],
    },
  ],
};

afterAll(() => i18n.changeLanguage('en'));

test("a prompt reads in the page's language when the package words it so, else as the step asked it", async () => {
  const names = sequenceNames(manifest);
  await i18n.changeLanguage('ko');
  expect(names.prompt('insert_unit', 'Insert the unit. Done?')).toBe('제품을 넣으세요. 완료했습니까?');
  expect(names.step('insert_unit')).toBe('제품 장착');
  // Another question of the step, the same question asked by another step: as asked.
  expect(names.prompt('insert_unit', 'Close the lid. Done?')).toBe('Close the lid. Done?');
  expect(names.prompt('check_led', 'Insert the unit. Done?')).toBe('Insert the unit. Done?');
  // No English given: the English page shows the question as the step asked it.
  await i18n.changeLanguage('en');
  expect(names.prompt('insert_unit', 'Insert the unit. Done?')).toBe('Insert the unit. Done?');
  // No manifest (not loaded yet, or not found): as asked.
  expect(sequenceNames(null).prompt('insert_unit', 'Insert the unit. Done?')).toBe('Insert the unit. Done?');
});
