// Audio for tests: how much of a recording is at one frequency, and a WAV served for <Play>.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeWav } from '../../protocols/rtp/index.js';

/** Goertzel: the power of an 8 kHz signal at `hz`, per sample. */
export function powerAt(pcm: Int16Array, hz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / 8000);
  let s1 = 0;
  let s2 = 0;
  for (const x of pcm) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / pcm.length;
}

/** Serves `pcm` as a WAV file at any path on a local port, for <Play> to fetch; close() when done. */
export async function serveWav(pcm: Int16Array): Promise<{ url: string; close(): Promise<void> }> {
  const wav = writeWav(pcm);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length });
    res.end(wav);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tone.wav`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
