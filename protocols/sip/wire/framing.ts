// drachtio wire framing: `<byte length>#<utf-8 payload>`, frames back to back with no separator.

/** drachtio-server reads at most five length digits, so a payload is under 100,000 bytes. */
export const MAX_FRAME_BYTES = 99_999;

export class FrameError extends Error {
  override name = 'FrameError';
}

export function encodeFrame(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}#`, 'ascii'), body]);
}

/** Streaming decoder that copes with frames split anywhere, including inside the length digits. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrame = MAX_FRAME_BYTES) {}

  /** Returns every complete payload; throws FrameError on a stream that can never be valid. */
  push(chunk: Buffer): string[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: string[] = [];
    for (;;) {
      const hash = this.buf.indexOf(0x23);
      if (hash < 0) {
        if (this.buf.length > 6 || !/^\d*$/.test(this.buf.toString('latin1'))) throw new FrameError('bad length prefix');
        break;
      }
      const digits = this.buf.toString('latin1', 0, hash);
      if (!/^\d{1,6}$/.test(digits)) throw new FrameError('bad length prefix');
      const len = Number(digits);
      if (len <= 0 || len > this.maxFrame) throw new FrameError(`frame length ${len} out of range`);
      if (this.buf.length < hash + 1 + len) break;
      out.push(this.buf.toString('utf8', hash + 1, hash + 1 + len));
      this.buf = this.buf.subarray(hash + 1 + len);
    }
    return out;
  }
}
