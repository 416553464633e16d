// A supervisor sets a disaster notice on the phone line; the preview of
// what a caller hears now shows it, first, and removing it takes it away.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, login, openPage, world } from './harness.mjs';

const w = world('ivr');

const TEXT = '지진 발생으로 상담 연결이 지연되고 있습니다. 긴급한 신고는 119로 전화해 주십시오.';

test('a disaster notice set by a supervisor is what a caller hears now', { timeout: 90_000 }, w.run(async () => {
  const sup = await w.person('supervisor01');
  await login(sup, w.url, 'supervisor01');
  await openPage(sup, 'ivr');
  const preview = sup.getByTestId('ivr-preview');
  await preview.getByTestId('ivr-hears').waitFor();
  // The demo city is a 120 line: open around the clock, no notices.
  assert.ok(!(await preview.innerText()).includes(TEXT), 'no notice yet');
  // This year's holidays are listed, with 추석 among them.
  await eventually(async () => assert.match(await sup.getByTestId('ivr-holidays').innerText(), /추석/));

  const form = sup.getByTestId('ivr-notice-form');
  await form.getByTestId('ivr-notice-kind').selectOption('disaster');
  await form.getByTestId('ivr-notice-text').fill(TEXT);
  await w.shot(sup, 'ivr-notice-form');
  await form.getByTestId('ivr-notice-save').click();

  await eventually(async () => {
    const items = await preview.getByTestId('ivr-hears').locator('li').allInnerTexts();
    // The greeting, then the disaster notice, before the recording notice.
    assert.ok(items.length >= 3, `hears ${items}`);
    assert.ok(items[1].includes(TEXT), `second is the notice: ${items}`);
    assert.ok(items[1].includes('재난'), `marked as a disaster notice: ${items[1]}`);
  }, { timeout: 10_000 });
  await w.shot(sup, 'ivr-preview-disaster');

  // A second disaster notice overlapping the first is refused, with why.
  await form.getByTestId('ivr-notice-text').fill('두 번째 재난 안내');
  await form.getByTestId('ivr-notice-save').click();
  await eventually(async () => assert.match(await form.getByTestId('ivr-notice-error').innerText(), /overlaps/));

  // Removing it stops it at once.
  sup.once('dialog', (d) => d.accept());
  const row = sup.getByTestId('ivr-notices').locator('tr', { hasText: TEXT });
  await row.getByRole('button').click();
  await eventually(async () => assert.ok(!(await preview.innerText()).includes(TEXT), 'the notice is gone'));

  // English is one click away.
  await sup.getByTestId('lang-en').click();
  await eventually(async () => assert.match(await preview.innerText(), /What a caller hears now/));
}));

test('an admin gives a district weekday hours in the grid; a bad span is refused with why', { timeout: 90_000 }, w.run(async () => {
  const admin = await w.person('admin');
  await login(admin, w.url, 'admin');
  await openPage(admin, 'ivr');
  await admin.getByTestId('ivr-tenant').selectOption('hanbit-jung');
  const hours = admin.getByTestId('ivr-hours');
  await eventually(async () => assert.match(await hours.getByTestId('ivr-source').innerText(), /24시간/));

  // A line with no hours is open around the clock; unticking that shows the grid.
  await hours.getByTestId('ivr-always-open').uncheck();
  await hours.getByTestId('ivr-day-mon').fill('18:00-09:00');
  await hours.getByTestId('ivr-save-hours').click();
  await eventually(async () => assert.match(await hours.getByTestId('ivr-hours-error').innerText(), /mon/));

  for (const d of ['mon', 'tue', 'wed', 'thu', 'fri']) await hours.getByTestId(`ivr-day-${d}`).fill('09:00-18:00');
  await hours.getByTestId('ivr-breaks').fill('12:00-13:00');
  await hours.getByTestId('ivr-save-hours').click();
  await eventually(async () => assert.match(await hours.getByTestId('ivr-source').innerText(), /이 센터의 상담 시간/));
  await w.shot(admin, 'ivr-hours-saved');

  // The grid shows what the server kept, after a reload.
  await admin.reload();
  await admin.getByTestId('ivr-tenant').selectOption('hanbit-jung');
  await eventually(async () => assert.equal(await admin.getByTestId('ivr-day-wed').inputValue(), '09:00-18:00'));
  assert.equal(await admin.getByTestId('ivr-day-sat').inputValue(), '');
  // The preview says open or closed with a reason, and when that changes.
  await eventually(async () => assert.match(await admin.getByTestId('ivr-open').innerText(), /바뀜/));
}));
