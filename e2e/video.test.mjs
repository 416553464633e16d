// Sign-language video: a citizen with a (fake) camera reaches a counselor who
// signs, through the server's WebRTC relay, and each sees the other's picture.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citizenSays, counselorSays, eventually, login, world } from './harness.mjs';

const w = world('video', {
  browserArgs: [
    '--allow-loopback-in-peer-connection',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
  ],
});

/** Resolves once the <video> plays a real picture: it has a size and its clock moves. */
async function playing(page, what) {
  const v = page.getByTestId('video-remote');
  await v.waitFor();
  await eventually(
    async () => {
      const a = await v.evaluate((el) => ({ w: el.videoWidth, t: el.currentTime }));
      assert.ok(a.w > 0, `${what}: no picture yet`);
      await new Promise((r) => setTimeout(r, 500));
      const b = await v.evaluate((el) => el.currentTime);
      assert.ok(b > a.t, `${what}: the picture does not advance (${a.t} → ${b})`);
    },
    { timeout: 20_000, interval: 250 },
  );
}

async function available(page) {
  await page.getByTestId('agent-state').waitFor();
  await page.getByTestId('desk-disconnected').waitFor({ state: 'detached' });
  await w.settle(page);
  await page.getByTestId('agent-state').selectOption('available');
  await page.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
}

test('a citizen signs with a sign-language counselor by video through the server', { timeout: 120_000 }, w.run(async () => {
  // A counselor without the sign skill is available first: the offer must pass them by.
  const plain = await w.person('counselor01');
  await login(plain, w.url, 'counselor01');
  await available(plain);

  const citizen = await w.person('citizen', { citizen: true });
  await citizen.context().grantPermissions(['camera', 'microphone']);
  await citizen.goto(`${w.url}/video/hanbit`);
  const intro = citizen.getByTestId('video-intro');
  assert.match(await intro.innerText(), /카메라/, 'the page explains the camera in Korean');
  assert.match(await intro.innerText(), /녹화하지 않습니다/, 'and that the video is not recorded');
  await citizen.getByTestId('lang-switch').click();
  assert.match(await intro.innerText(), /not recorded/, 'English on request');
  await citizen.getByTestId('lang-switch').click();
  await w.shot(citizen, 'citizen-intro');
  await citizen.getByTestId('video-start').click();
  await citizen.getByTestId('queue-info').waitFor();
  await citizen.getByTestId('video-self').waitFor();
  await w.shot(citizen, 'citizen-queued');

  const signer = await w.person('counselor08');
  await login(signer, w.url, 'counselor08');
  await signer.context().grantPermissions(['camera', 'microphone']);
  await available(signer);
  const offer = signer.getByTestId('offer-card').first();
  await offer.waitFor();
  assert.equal(await offer.getAttribute('data-channel'), 'video');
  await offer.getByTestId('offer-sign').waitFor();
  await w.shot(signer, 'counselor-offer');
  assert.equal(await plain.getByTestId('offer-card').count(), 0, 'the counselor without the sign skill was not offered the video');
  const contactId = await offer.getAttribute('data-contact-id');
  await offer.getByTestId('offer-accept').click();
  const col = signer.locator(`[data-testid="chat"][data-contact-id="${contactId}"][data-state="active"]`);
  await col.waitFor();

  // Each side's <video> plays the other's fake camera.
  await playing(signer, "the counselor's view of the citizen");
  await playing(citizen, "the citizen's view of the counselor");
  await signer.locator('[data-testid="video-call"][data-state="connected"]').waitFor();
  await w.shot(signer, 'counselor-video');
  await w.shot(citizen, 'citizen-video');

  // The chat goes alongside.
  await citizenSays(citizen, '수어로 여권 신청 방법을 알려 주세요.');
  await col.locator('[data-testid="msg"][data-from="citizen"]', { hasText: '여권' }).waitFor();
  await counselorSays(col, '네, 화면 보시면서 같이 해 볼게요.');

  // The counselor's mute switch works on their own track.
  await signer.getByTestId('video-mute').click();
  assert.equal(await signer.getByTestId('video-mute').getAttribute('aria-pressed'), 'true');

  // The counselor ends: the contact ends for both, the citizen is asked to rate.
  await signer.getByTestId('video-end').click();
  await signer.getByTestId('end-chat-confirm').click();
  await signer.locator(`[data-testid="chat"][data-contact-id="${contactId}"][data-state="wrapup"]`).waitFor();
  await citizen.getByTestId('survey').waitFor();
  assert.equal(await citizen.getByTestId('video-call').count(), 0, "the citizen's call is closed");
  assert.equal(await signer.getByTestId('video-remote').count(), 0, "the counselor's call is closed");

  // Each side's media is on record: connected, then ended with how long it flowed.
  const admin = await w.person('admin');
  await login(admin, w.url, 'admin');
  await eventually(
    async () => {
      const evs = await admin.evaluate(async (id) => {
        const out = [];
        for (let after = 0; ; ) {
          const page = await (await fetch(`/api/events?after=${after}&limit=1000`)).json();
          if (!page.length) return out;
          out.push(...page.filter((e) => e.contact_id === id && e.type.startsWith('video.')));
          after = page[page.length - 1].seq;
        }
      }, contactId);
      for (const side of ['citizen', 'agent']) {
        assert.ok(evs.some((e) => e.type === 'video.connected' && e.data.side === side), `video.connected for the ${side}`);
        const end = evs.find((e) => e.type === 'video.ended' && e.data.side === side);
        assert.ok(end && end.data.seconds > 0 && end.data.reason === 'ended', `video.ended for the ${side}: ${JSON.stringify(end)}`);
      }
    },
    { timeout: 10_000, interval: 250 },
  );
}));
