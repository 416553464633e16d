// A call transferred from the desk: counselor01 takes a phone call, opens
// 통화 전환, tries an attended transfer and cancels it, then hands the call
// blind to the English queue; counselor11 (who speaks English) is offered
// it, accepts, and ends it; the server hangs the caller up. The contact's
// history holds every transfer step.
//
// sipp comes from scripts/deps.sh; without it the test skips, except in CI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, login, world } from './harness.mjs';
import { freePort, rtpPeer, sipp } from './sip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCENARIO = path.join(here, 'testdata', 'caller_on_hold.xml');
const sipPort = sipp ? await freePort() : 0;
const w = sipp ? world('call-transfer', { server: { extraArgs: ['--sip', `127.0.0.1:${sipPort}`] } }) : null;

async function ready(page, user) {
  await login(page, w.url, user);
  await page.getByTestId('desk-disconnected').waitFor({ state: 'detached' });
  await w.settle(page);
  await page.getByTestId('agent-state').selectOption('available');
  await page.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
}

test(
  'a counselor transfers a phone call to the English queue from the call panel',
  { timeout: 150_000, skip: sipp ? false : 'sipp is not installed (apt-get install sip-tester, or scripts/deps.sh)' },
  async () => {
    await w.run(async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'minwon-e2e-transfer-'));
      const kim = await w.person('counselor01');
      await ready(kim, 'counselor01');
      const peer = await rtpPeer();
      const caller = spawn(sipp, [
        '-sf', SCENARIO, '-s', '120', '-i', '127.0.0.1',
        '-p', String(await freePort()), '-mp', String(await freePort()), '-t', 'u1',
        '-m', '1', '-timeout', '130s', '-timeout_error', '-nostdin',
        '-set', 'rtpport', String(peer.sock.address().port), w.srv.sip,
      ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      caller.stdout.on('data', (b) => (out = (out + b).slice(-8000)));
      caller.stderr.on('data', (b) => (out = (out + b).slice(-8000)));
      const callerDone = new Promise((resolve) => caller.on('exit', (code, signal) => resolve({ code, signal })));
      try {
        const offer = kim.locator('[data-testid="offer-card"][data-channel="voice"]');
        const deadline = Date.now() + 40_000;
        while ((await offer.count()) === 0) {
          assert.ok(Date.now() < deadline, `no call offer within 40 s\n${out}`);
          if (peer.packets > 0) await peer.press('1');
          await new Promise((r) => setTimeout(r, 400));
        }
        await offer.getByTestId('offer-accept').click();
        const call = kim.locator('[data-testid="chat"][data-channel="voice"][data-state="active"]');
        await call.waitFor();
        const contactId = await call.getAttribute('data-contact-id');

        // counselor11 comes on only now, so the first offer was kim's.
        const lee = await w.person('counselor11');
        await ready(lee, 'counselor11');

        // An attended transfer to a counselor: kim's phone isn't registered
        // here, and neither is lee's, so the target can't be rung; the
        // transfer is cancelled by the server and the call stays kim's.
        await call.getByTestId('call-transfer-open').click();
        let form = kim.getByTestId('call-transfer-form');
        await form.getByTestId('call-transfer-to-agent').check();
        await form.getByTestId('call-transfer-agent').selectOption({ label: '오승민' });
        await form.getByTestId('call-transfer-attended').check();
        await w.shot(kim, 'transfer-dialog');
        await form.getByTestId('call-transfer-submit').click();
        await form.waitFor({ state: 'detached' });
        await call.getByTestId('call-transfer-open').waitFor({ timeout: 10_000 }); // back: no transfer pending
        assert.equal(await call.getAttribute('data-state'), 'active');

        // A department needs a summary before anything is sent.
        await call.getByTestId('call-transfer-open').click();
        form = kim.getByTestId('call-transfer-form');
        await form.getByTestId('call-transfer-to-department').check();
        await form.getByTestId('call-transfer-submit').click();
        assert.match(await form.locator('[role="alert"]').textContent(), /요약/);

        // Blind to the English queue: kim's column goes, lee is offered it.
        await form.getByTestId('call-transfer-to-queue').check();
        await form.getByTestId('call-transfer-queue').selectOption('q-en');
        await form.getByTestId('call-transfer-note').fill('영어 민원인, 버스 노선 문의');
        await form.getByTestId('call-transfer-submit').click();
        await call.waitFor({ state: 'detached' });
        const leeOffer = lee.locator('[data-testid="offer-card"][data-channel="voice"]');
        await leeOffer.waitFor({ timeout: 15_000 });
        await leeOffer.getByTestId('offer-accept').click();
        const leeCall = lee.locator(`[data-testid="chat"][data-contact-id="${contactId}"][data-state="active"]`);
        await leeCall.waitFor();
        await w.shot(lee, 'transferred-call');

        // The history holds the steps.
        const cookie = (await lee.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
        await eventually(async () => {
          const r = await fetch(`${w.url}/api/contacts/${contactId}`, { headers: { cookie } });
          const v = await r.json();
          assert.equal(v.contact.agent_id, 'u-counselor11');
          assert.equal(v.contact.queue_id, 'q-en');
          assert.ok((v.messages ?? []).some((m) => m.text.includes('버스 노선 문의')), 'the transfer note travels along');
        });

        await leeCall.getByTestId('end-chat').click();
        await leeCall.getByTestId('end-chat-confirm').click();
        const exit = await Promise.race([callerDone, new Promise((r) => setTimeout(() => r(null), 20_000))]);
        assert.deepEqual(exit, { code: 0, signal: null }, `the caller was not hung up cleanly\n${out}`);
      } finally {
        if (caller.exitCode === null && caller.signalCode === null) caller.kill('SIGKILL');
        await callerDone;
        await peer.close();
        await rm(dir, { recursive: true, force: true });
      }
    })();
  },
);
