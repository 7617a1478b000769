// <Play> audio: fetched over HTTP(S), decoded to 8 kHz mono and kept in a bounded in-memory cache, so an IVR
// that plays the same greeting on every call downloads and decodes it once. Failures carry the Twilio code the
// Play verb reports as a notification.
import { decodeMp3 } from './mp3.js';
import { request, type Dispatcher } from 'undici';
import { webhookAgent } from '../../protocols/webhook/index.js';
import { readWav, resample, WavError } from '../../protocols/rtp/index.js';

/** Twilio codes for a Play URL that could not be played. */
export const AudioFetchCode = {
  HttpRetrievalFailure: 11200,
  HttpConnectionFailure: 11205,
  BadHostName: 11210,
  /** The body is not audio we can decode (or an MP3 with no MP3 decoder configured). */
  PlayInvalidContentType: 13420,
} as const;
export type AudioFetchCodeValue = (typeof AudioFetchCode)[keyof typeof AudioFetchCode];

export class AudioFetchError extends Error {
  override name = 'AudioFetchError';
  constructor(
    readonly code: AudioFetchCodeValue,
    message: string,
    readonly url: string,
  ) {
    super(message);
  }
}

/** Decoded MP3 as planar float channels (what the common WASM/JS MP3 decoders return). */
export interface DecodedAudio {
  channelData: Float32Array[];
  sampleRate: number;
}
export type Mp3Decoder = (bytes: Uint8Array) => Promise<DecodedAudio>;

export interface AudioFetcherOptions {
  /** Whole exchange: connect, headers and body. Default 15 s (Twilio's webhook timeout). */
  timeoutMs?: number;
  /** Largest audio file accepted. Default 64 MiB (about an hour of 8 kHz 16-bit WAV). */
  maxBytes?: number;
  /** Decoded samples kept in memory across all cached URLs. Default 30 minutes of 8 kHz audio. */
  cacheSamples?: number;
  /** How long an entry is fresh when the server sends no Cache-Control max-age. Default 1 hour. */
  defaultTtlMs?: number;
  /** MP3 decoder; defaults to mpg123 (WebAssembly). */
  mp3?: Mp3Decoder;
  dispatcher?: Dispatcher;
}

export interface AudioFetcherStats {
  fetches: number;
  cacheHits: number;
  failures: number;
  cachedUrls: number;
  cachedSamples: number;
}

interface CacheEntry {
  pcm: Int16Array;
  expiresAt: number;
}

const WAV_TYPES = new Set(['audio/wav', 'audio/wave', 'audio/x-wav', 'audio/vnd.wave', 'audio/x-pn-wav']);
const MP3_TYPES = new Set(['audio/mpeg', 'audio/mp3', 'audio/mpeg3', 'audio/x-mpeg-3', 'audio/x-mp3', 'audio/x-mpeg']);
/** Types that say nothing about the content: the bytes decide. */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'audio/x-unknown']);

type Format = 'wav' | 'mp3';

function sniff(bytes: Uint8Array): Format | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 12));
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WAVE') return 'wav';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'ID3') return 'mp3';
  // An MPEG audio frame sync: 11 set bits.
  if (head.length >= 2 && head[0] === 0xff && ((head[1] as number) & 0xe0) === 0xe0) return 'mp3';
  return undefined;
}

function formatOf(contentType: string, bytes: Uint8Array): Format | undefined {
  if (WAV_TYPES.has(contentType)) return 'wav';
  if (MP3_TYPES.has(contentType)) return 'mp3';
  if (GENERIC_TYPES.has(contentType)) return sniff(bytes);
  return undefined;
}

/** Freshness from Cache-Control: undefined = do not cache at all. */
function ttlFrom(cacheControl: string, defaultTtlMs: number): number | undefined {
  const cc = cacheControl.toLowerCase();
  if (/\b(no-store|no-cache|private)\b/.test(cc)) return undefined;
  const m = /\bmax-age=(\d+)/.exec(cc);
  if (m) {
    const s = Number(m[1]);
    return s > 0 ? s * 1000 : undefined;
  }
  return defaultTtlMs;
}

function classify(err: unknown): { code: AudioFetchCodeValue; message: string } {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { code: AudioFetchCode.BadHostName, message: `bad host name: ${e.message ?? code}` };
  if (['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET'].includes(code)) {
    return { code: AudioFetchCode.HttpConnectionFailure, message: `connection failed: ${e.message ?? code}` };
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { code: AudioFetchCode.HttpRetrievalFailure, message: 'no complete answer in time' };
  }
  return { code: AudioFetchCode.HttpRetrievalFailure, message: e.message ?? String(err) };
}

/** Planar float channels at any rate → 8 kHz mono 16-bit. */
export function toTelephoneAudio(decoded: DecodedAudio): Int16Array {
  const channels = decoded.channelData.filter((c) => c.length > 0);
  const n = Math.min(...channels.map((c) => c.length));
  if (channels.length === 0 || !Number.isFinite(n)) return new Int16Array(0);
  const mono = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const c of channels) sum += c[i] as number;
    mono[i] = Math.round(Math.max(-1, Math.min(1, sum / channels.length)) * 32767);
  }
  return resample(mono, decoded.sampleRate, 8000);
}

export class AudioFetcher {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly cacheSamples: number;
  private readonly defaultTtlMs: number;
  private readonly mp3: Mp3Decoder | undefined;
  private readonly dispatcher: Dispatcher | undefined;
  /** Map order is the LRU order: a hit is re-inserted at the end. */
  private readonly cache = new Map<string, CacheEntry>();
  private cachedSamples = 0;
  private readonly inFlight = new Map<string, Promise<Int16Array>>();
  private readonly counters = { fetches: 0, cacheHits: 0, failures: 0 };

  constructor(opts: AudioFetcherOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.cacheSamples = opts.cacheSamples ?? 30 * 60 * 8000;
    this.defaultTtlMs = opts.defaultTtlMs ?? 3_600_000;
    this.mp3 = opts.mp3 ?? decodeMp3;
    this.dispatcher = opts.dispatcher;
  }

  get mp3Supported(): boolean {
    return this.mp3 !== undefined;
  }

  stats(): AudioFetcherStats {
    return { ...this.counters, cachedUrls: this.cache.size, cachedSamples: this.cachedSamples };
  }

  /** 8 kHz mono PCM of the audio at `url`. Rejects only with AudioFetchError. */
  fetch(url: string): Promise<Int16Array> {
    const hit = this.cache.get(url);
    if (hit) {
      this.cache.delete(url);
      if (hit.expiresAt > Date.now()) {
        this.cache.set(url, hit);
        this.counters.cacheHits++;
        return Promise.resolve(hit.pcm);
      }
      this.cachedSamples -= hit.pcm.length;
    }
    const pending = this.inFlight.get(url);
    if (pending) return pending;
    const work = this.download(url).finally(() => this.inFlight.delete(url));
    this.inFlight.set(url, work);
    return work;
  }

  private async download(url: string): Promise<Int16Array> {
    this.counters.fetches++;
    try {
      return await this.downloadOnce(url);
    } catch (err) {
      this.counters.failures++;
      if (err instanceof AudioFetchError) throw err;
      const c = classify(err);
      throw new AudioFetchError(c.code, `could not fetch audio ${url}: ${c.message}`, url);
    }
  }

  private async downloadOnce(url: string): Promise<Int16Array> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AudioFetchError(AudioFetchCode.HttpRetrievalFailure, `"${url}" is not an absolute URL`, url);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new AudioFetchError(AudioFetchCode.HttpRetrievalFailure, `audio URL must be http or https, got ${parsed.protocol}`, url);
    }
    parsed.hash = '';
    const signal = AbortSignal.timeout(this.timeoutMs);
    const res = await request(parsed, {
      method: 'GET',
      headers: { 'user-agent': 'TwilioProxy/1.1', accept: 'audio/*' },
      dispatcher: this.dispatcher ?? webhookAgent(),
      signal,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      res.body.resume();
      throw new AudioFetchError(AudioFetchCode.HttpRetrievalFailure, `audio URL ${url} answered HTTP ${res.statusCode}`, url);
    }
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (declared > this.maxBytes) {
      res.body.destroy();
      throw new AudioFetchError(AudioFetchCode.HttpRetrievalFailure, `audio at ${url} is ${declared} bytes, over the ${this.maxBytes}-byte limit`, url);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > this.maxBytes) {
        res.body.destroy();
        throw new AudioFetchError(AudioFetchCode.HttpRetrievalFailure, `audio at ${url} is over the ${this.maxBytes}-byte limit`, url);
      }
      chunks.push(chunk as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    const header = (name: string) => {
      const v = res.headers[name];
      return (Array.isArray(v) ? v[0] : v) ?? '';
    };
    const contentType = header('content-type').split(';')[0]!.trim().toLowerCase();
    const pcm = await this.decode(url, contentType, bytes);
    const ttl = ttlFrom(header('cache-control'), this.defaultTtlMs);
    if (ttl !== undefined) this.remember(url, pcm, Date.now() + ttl);
    return pcm;
  }

  private async decode(url: string, contentType: string, bytes: Uint8Array): Promise<Int16Array> {
    const format = formatOf(contentType, bytes);
    if (format === 'wav') {
      try {
        return readWav(bytes);
      } catch (err) {
        const why = err instanceof WavError ? err.message : String(err);
        throw new AudioFetchError(AudioFetchCode.PlayInvalidContentType, `audio at ${url} is not a playable WAV file: ${why}`, url);
      }
    }
    if (format === 'mp3') {
      if (!this.mp3) {
        throw new AudioFetchError(AudioFetchCode.PlayInvalidContentType, `audio at ${url} is MP3, and this switch has no MP3 decoder installed; serve WAV instead`, url);
      }
      try {
        return toTelephoneAudio(await this.mp3(bytes));
      } catch (err) {
        throw new AudioFetchError(AudioFetchCode.PlayInvalidContentType, `audio at ${url} could not be decoded as MP3: ${(err as Error).message}`, url);
      }
    }
    throw new AudioFetchError(
      AudioFetchCode.PlayInvalidContentType,
      `audio at ${url} has Content-Type "${contentType || '(none)'}"; <Play> takes audio/wav or audio/mpeg`,
      url,
    );
  }

  private remember(url: string, pcm: Int16Array, expiresAt: number): void {
    if (pcm.length > this.cacheSamples) return;
    const old = this.cache.get(url);
    if (old) {
      this.cache.delete(url);
      this.cachedSamples -= old.pcm.length;
    }
    this.cache.set(url, { pcm, expiresAt });
    this.cachedSamples += pcm.length;
    for (const [key, entry] of this.cache) {
      if (this.cachedSamples <= this.cacheSamples) break;
      this.cache.delete(key);
      this.cachedSamples -= entry.pcm.length;
    }
  }
}
