// Regression test for a race in the counselor desk: an offer pushed over
// /ws/desk while the desk's /api/agent/contacts reload is on the way is wiped
// when that (older) answer lands, so the counselor never sees the offer, it
// lapses after 20 s, and the center sets the counselor "away (missed offer)".
//
// The slow answer is made deterministic by holding the desk's
// /api/agent/contacts responses (computed by the server at once) for a while.
// The desk keeps offers that arrived after a reload was asked for.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citizenOpensChat, login, world } from './harness.mjs';

const w = world('desk-offer-race');
const HOLD_MS = 1500;

test(
  'an offer that arrives while the desk reloads its contacts stays on screen',
  { timeout: 60_000 },
  async () => {
    const citizen = await w.person('citizen', { citizen: true });
    await citizenOpensChat(citizen, w.url);

    const counselor = await w.person('counselor01');
    const held = [];
    await counselor.route('**/api/agent/contacts', async (route) => {
      // Counted the moment the request is seen, not once the server has
      // answered it: on a loaded machine that answer can come after the
      // desk shows itself connected.
      const p = route
        .fetch() // the server's answer now: no offer yet
        .then((response) => new Promise((r) => setTimeout(r, HOLD_MS)).then(() => route.fulfill({ response })));
      held.push(p);
      await p;
    });
    await login(counselor, w.url, 'counselor01');
    await counselor.getByTestId('desk-disconnected').waitFor({ state: 'detached' });
    for (let i = 0; i < 100 && held.length === 0; i++) await counselor.waitForTimeout(100);
    assert.ok(held.length >= 1, 'the desk asked for its contacts');

    // Available while that answer is still held: the offer comes over the socket…
    await counselor.getByTestId('agent-state').selectOption('available');
    const offer = counselor.getByTestId('offer-card');
    await offer.waitFor();
    // …and must survive the older answer landing.
    await Promise.all(held);
    await counselor.waitForTimeout(300); // let the page apply it (bounded, not a sync wait)
    await w.shot(counselor, 'after-reload-answer');
    assert.equal(await offer.count(), 1, 'the offer card is still shown after the contacts reload');
    await offer.getByTestId('offer-accept').click();
    await counselor.locator('[data-testid="chat"][data-state="active"]').waitFor();
  },
);
