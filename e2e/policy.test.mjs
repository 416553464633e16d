// The counselor-protection policy per tenant: an admin changes it in the
// editor (보호 정책) — a refused value is shown next to its input — and the
// next citizen who swears gets the new scripted warning and is ended at the
// new count, without a restart. The change is on the audit trail.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citizenOpensChat, citizenSays, counselorAcceptsNext, eventually, login, messageTexts, openPage, world } from './harness.mjs';

const w = world('policy');

const WARNING = '정책 편집기에서 바꾼 첫 번째 경고입니다. 고운 말로 말씀해 주세요.';

test('an admin changes the warning text and count; the next abusive citizen gets the new warning and is ended at the second offence', { timeout: 90_000 }, w.run(async () => {
  const admin = await w.person('admin');
  await login(admin, w.url, 'admin');
  await openPage(admin, 'policy');
  const editor = admin.getByTestId('policy-editor');
  await editor.getByTestId('pol-source').waitFor();
  assert.match(await editor.getByTestId('pol-source').innerText(), /기본 정책/);
  await editor.getByTestId('pol-tenant').selectOption('hanbit');

  // A refusal names its field: an empty second warning is shown inline.
  await editor.getByTestId('pol-warnings.1').fill('');
  await editor.getByTestId('pol-save').click();
  const inline = editor.getByTestId('error-warnings.1');
  await inline.waitFor();
  assert.match(await inline.innerText(), /warnings\.1/);
  await w.shot(admin, 'policy-inline-error');

  // A margin of the recording segments past five minutes is refused inline too.
  await editor.getByTestId('pol-warnings.1').fill('두 번째 안내입니다.');
  await editor.getByTestId('pol-evidence.press_lead_ns').fill('600');
  await editor.getByTestId('pol-save').click();
  await editor.getByTestId('error-evidence.press_lead_ns').waitFor();
  await editor.getByTestId('pol-evidence.press_lead_ns').fill('45');

  // Abuse ends at the second offence; the first warning is the new text.
  await editor.getByTestId('pol-warnings.0').fill(WARNING);
  await editor.getByTestId('pol-types.abuse.end_at').fill('2');
  const [res] = await Promise.all([
    admin.waitForResponse((r) => r.url().endsWith('/api/tenants/hanbit/policy') && r.request().method() === 'PUT'),
    editor.getByTestId('pol-save').click(),
  ]);
  assert.equal(res.status(), 200);
  await eventually(async () => assert.match(await editor.getByTestId('pol-source').innerText(), /자체 정책/));
  assert.equal(await editor.getByTestId('error-warnings.1').count(), 0, 'the inline error is gone');
  await w.shot(admin, 'policy-saved');

  // The next citizen: the new warning, then the end at the second swear.
  const citizen = await w.person('citizen', { citizen: true });
  await citizenOpensChat(citizen, w.url);
  const counselor = await w.person('counselor01');
  await login(counselor, w.url, 'counselor01');
  await counselorAcceptsNext(w, counselor);
  await citizen.getByTestId('agent-joined').waitFor();
  const system = citizen.locator('[data-testid="msg"][data-from="system"]');
  await citizenSays(citizen, 'ㅅㅂ 빨리 처리해');
  await eventually(async () => assert.equal(await system.count(), 1));
  const lines = (await messageTexts(citizen)).filter((m) => m.from === 'system');
  assert.deepEqual(lines.map((m) => m.text), [WARNING]);
  await w.shot(citizen, 'citizen-new-warning');
  await citizenSays(citizen, '씨X 아직이야?');
  await citizen.getByTestId('chat-finished').waitFor();
  assert.equal(await system.count(), 2, 'one warning and the closing notice');

  // The change is on the audit trail, by the admin, with the whole policy.
  const evs = await admin.evaluate(async () => (await fetch('/api/events?limit=1000')).json());
  const changes = evs.filter((e) => e.type === 'policy.updated');
  assert.equal(changes.length, 1);
  assert.equal(changes[0].tenant_id, 'hanbit');
  assert.equal(changes[0].actor_id, 'u-admin');
  assert.equal(changes[0].data.config.warnings[0], WARNING);
  assert.equal(changes[0].data.config.types.abuse.end_at, 2);
  assert.equal(changes[0].data.config.evidence.press_lead_ns, 45e9);
  assert.equal(changes[0].data.config.evidence.press_tail_ns, 15e9, 'the other margins keep their defaults');
  assert.ok(evs.filter((e) => e.type === 'tenant.salt').every((e) => e.data === undefined || e.data === null), 'salts are never shown');

  // A district follows the city; English is a switch away.
  await editor.getByTestId('pol-tenant').selectOption('hanbit-jung');
  await eventually(async () => assert.match(await editor.getByTestId('pol-source').innerText(), /한빛시 120/));
  assert.equal(await editor.getByTestId('pol-warnings.0').inputValue(), WARNING);
  await admin.getByTestId('lang-en').click();
  assert.match(await editor.getByTestId('pol-source').innerText(), /Follows the policy of/);
  await w.shot(admin, 'policy-district-en');

  // Reset to defaults: the city follows the default policy again.
  await admin.getByTestId('lang-ko').click();
  await editor.getByTestId('pol-tenant').selectOption('hanbit');
  await eventually(async () => assert.match(await editor.getByTestId('pol-source').innerText(), /자체 정책/));
  admin.once('dialog', (d) => d.accept());
  await editor.getByTestId('pol-reset').click();
  await eventually(async () => assert.match(await editor.getByTestId('pol-source').innerText(), /기본 정책/));
  assert.notEqual(await editor.getByTestId('pol-warnings.0').inputValue(), WARNING);
}));
