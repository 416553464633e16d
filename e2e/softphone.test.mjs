// The browser softphone, end to end: a counselor with no desk phone turns
// on the softphone in headless Chromium (fake microphone: a 1 kHz tone from
// a WAV file), accepts a call sipp dials in, and talks through the browser.
// The caller's handset (this test's RTP socket) plays a 600 Hz tone. The
// counselor holds and resumes, then hangs up from the softphone; the server
// hangs the caller up. The call's recording then proves audio flowed both
// ways: the caller's tone on the left channel, the browser's on the right,
// and neither on the other side.
//
// sipp comes from scripts/deps.sh (Debian package sip-tester). Without it the
// test skips, except in CI, where it fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cookieOf, eventually, softphoneReady, world } from './harness.mjs';
import { freePort, rtpPeer, runSipp, sipp } from './sip.mjs';
import { channel, recordingOf, toneWav, toneWindows } from './audio.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCENARIO = path.join(here, 'testdata', 'caller_on_hold.xml');

const CALLER_HZ = 600;
const BROWSER_HZ = 1000;

const sipPort = sipp ? await freePort() : 0;
const dir = sipp ? await mkdtemp(path.join(tmpdir(), 'minwon-e2e-softphone-')) : '';
const wav = path.join(dir, 'mic.wav');
if (sipp) await writeFile(wav, toneWav(BROWSER_HZ, 2));
const w = sipp
  ? world('softphone', {
      server: { extraArgs: ['--sip', `127.0.0.1:${sipPort}`] },
      browserArgs: [
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--allow-loopback-in-peer-connection',
        '--autoplay-policy=no-user-gesture-required',
        `--use-file-for-fake-audio-capture=${wav}`,
      ],
    })
  : null;

test(
  'a counselor takes a call in the browser softphone; the recording has both sides',
  { timeout: 150_000, skip: sipp ? false : 'sipp is not installed (apt-get install sip-tester, or scripts/deps.sh)' },
  async (t) => {
    await w.run(async () => {
      try {
        const desk = await w.person('counselor01');
        // The softphone goes on: the microphone opens and the server confirms.
        await softphoneReady(w, desk, 'counselor01');

        const peer = await rtpPeer();
        const caller = runSipp(
          ['-sf', SCENARIO, '-s', '120', '-i', '127.0.0.1', '-p', String(await freePort()), '-mp', String(await freePort()),
            '-t', 'u1', '-m', '1', '-timeout', '120s', '-timeout_error', '-nostdin',
            '-set', 'rtpport', String(peer.sock.address().port), w.srv.sip],
          dir,
        );
        try {
          const offer = desk.locator('[data-testid="offer-card"][data-channel="voice"]');
          const deadline = Date.now() + 40_000;
          while ((await offer.count()) === 0) {
            assert.ok(Date.now() < deadline, `no call offer within 40 s (RTP packets from the IVR: ${peer.packets})\n${caller.out()}`);
            if (peer.packets > 0) await peer.press('1');
            await new Promise((r) => setTimeout(r, 400));
          }
          // Accepting connects the audio: the softphone rings in this page.
          await offer.getByTestId('offer-accept').click();
          const call = desk.locator('[data-testid="chat"][data-channel="voice"][data-state="active"]');
          const contactId = await call.getAttribute('data-contact-id');
          const phone = call.getByTestId('softphone');
          await call.locator('[data-testid="softphone"][data-state="connected"]').waitFor({ timeout: 20_000 });
          assert.equal(await call.getByTestId('call-status').textContent(), '통화 중 — 이 브라우저로 연결됨');
          await w.shot(desk, 'in-call');

          // Both talk for a while: the caller's tone, the browser's microphone.
          await peer.tone(CALLER_HZ, 3000);

          // Hold and resume from the desk.
          await phone.getByTestId('sp-hold').click();
          await call.locator('[data-testid="softphone"][data-held="yes"]').waitFor();
          assert.match(await phone.getByTestId('softphone-status').textContent(), /보류 중/);
          await w.shot(desk, 'on-hold');
          await phone.getByTestId('sp-hold').click();
          await call.locator('[data-testid="softphone"][data-held="no"]').waitFor();
          // Keys go to the caller in-band.
          await phone.getByTestId('sp-keypad').click();
          await phone.getByTestId('sp-key-5').click();
          await eventually(async () => assert.match(await phone.getByTestId('sp-keys').textContent(), /5/));
          await peer.tone(CALLER_HZ, 2000);

          // Hanging up the softphone ends the call as the counselor's.
          await phone.getByTestId('sp-hangup').click();
          await desk.locator('[data-testid="chat"][data-channel="voice"][data-state="wrapup"]').waitFor();
          const exit = await Promise.race([caller.done, new Promise((r) => setTimeout(() => r(null), 15_000))]);
          assert.ok(exit, `the server did not hang up the caller within 15 s\n${caller.out()}`);
          assert.equal(exit.code, 0, `sipp exited badly\n${exit.out}`);

          // The recording: citizen left, what the citizen heard right.
          const cookie = await cookieOf(desk);
          const file = await recordingOf(w.url, cookie, contactId);
          const left = channel(file, 0);
          const right = channel(file, 1);
          const found = {
            leftCaller: toneWindows(left, CALLER_HZ),
            leftBrowser: toneWindows(left, BROWSER_HZ),
            rightCaller: toneWindows(right, CALLER_HZ),
            rightBrowser: toneWindows(right, BROWSER_HZ),
          };
          t.diagnostic(`100 ms windows carrying each tone: ${JSON.stringify(found)}`);
          // 5 s of each tone went through; ask for 2 s of 100 ms windows.
          assert.ok(found.leftCaller >= 20, `the caller's ${CALLER_HZ} Hz is not on the left: ${JSON.stringify(found)}`);
          assert.ok(found.rightBrowser >= 20, `the browser's ${BROWSER_HZ} Hz is not on the right: ${JSON.stringify(found)}`);
          assert.ok(found.leftBrowser <= 2 && found.rightCaller <= 2, `a side leaked into the other channel: ${JSON.stringify(found)}`);
        } finally {
          if (caller.p.exitCode === null && caller.p.signalCode === null) caller.p.kill('SIGKILL');
          await caller.done;
          await peer.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
  },
);
