// Helpers for the phone tests: sipp's path, free ports, and an RTP socket
// standing in for the caller's handset.

import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';

export function findSipp() {
  const r = spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** sipp's path; "" skips a test outside CI, and in CI it is an error. */
export const sipp = findSipp();
if (!sipp && process.env.CI) throw new Error('sipp is not installed; scripts/deps.sh installs it (Debian package sip-tester)');

/** A UDP port free on loopback now (the kernel picks it; we let it go). */
export async function freePort() {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The caller's media: counts the RTP the server sends (its IVR prompts) and
 * sends RFC 4733 key presses back to where they came from.
 */
export async function rtpPeer() {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const peer = { sock, packets: 0, from: null, seq: 1, ts: 0 };
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 12 || msg[0] >> 6 !== 2) return;
    peer.packets++;
    peer.from = rinfo;
  });
  /** One key as three updates and three end packets, paced like a phone. */
  peer.press = async (digit) => {
    if (!peer.from) return false;
    peer.ts += 1600;
    for (let i = 0; i < 6; i++) {
      const pkt = Buffer.alloc(16);
      pkt[0] = 0x80;
      pkt[1] = 101 | (i === 0 ? 0x80 : 0); // telephone-event; marker on a new event
      pkt.writeUInt16BE((peer.seq + i) & 0xffff, 2);
      pkt.writeUInt32BE(peer.ts >>> 0, 4);
      pkt.writeUInt32BE(0x4d494e57, 8);
      pkt[12] = Number(digit);
      pkt[13] = 10 | (i >= 3 ? 0x80 : 0); // volume; end bit on the last three
      pkt.writeUInt16BE(i >= 3 ? 640 : 160 * (i + 1), 14);
      await new Promise((r) => sock.send(pkt, peer.from.port, peer.from.address, r));
      await new Promise((r) => setTimeout(r, 20));
    }
    peer.seq += 6;
    return true;
  };
  peer.close = () => new Promise((r) => sock.close(r));
  return peer;
}
