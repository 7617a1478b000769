// MP3 for <Play>: mpg123 compiled to WebAssembly (the mpg123-decoder package: no native build, no download at
// install), because many customers host their prompts as MP3 and Twilio plays them.
import { MPEGDecoder } from 'mpg123-decoder';
import type { DecodedAudio } from './audio-fetch.js';

export async function decodeMp3(bytes: Uint8Array): Promise<DecodedAudio> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const out = decoder.decode(bytes);
    // mpg123 skips what it cannot read; a file with no MPEG frames at all is not playable audio.
    if (out.samplesDecoded === 0) throw new Error('no MPEG audio frames in the file');
    return { channelData: out.channelData, sampleRate: out.sampleRate };
  } finally {
    decoder.free();
  }
}
