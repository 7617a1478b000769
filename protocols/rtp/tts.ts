// <Say> audio from the espeak-ng binary, cached on disk by (text, voice, language). Without
// espeak-ng the call still goes on: one clear warning, then silence as long as the speech would be.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silence } from './tone.js';
import { readWav, writeWav } from './wav.js';

export interface SayOptions {
  /** Twilio voice: man, woman, alice, Polly.<Name>[-Neural], Google.<lang>-<variant>. Default man. */
  voice?: string;
  /** Twilio language tag such as en-US, en-GB, es-ES, fr-FR, de-DE. Default en-US. */
  language?: string;
  /**
   * SSML to speak instead of the text (a <Say>'s tags: <break>, <prosody>, <say-as>, …), read by espeak-ng's SSML
   * mode, which skips tags it does not know (amazon:effect and the like). The text stays the silent placeholder's measure.
   */
  ssml?: string;
}

export interface TextToSpeechOptions {
  cacheDir: string;
  /** The espeak-ng executable; found on PATH unless given. */
  espeakPath?: string;
  timeoutMs?: number;
  logger?: { warn(message: string): void };
}

/** Silence per character when espeak-ng is missing: close to espeak's own speaking rate. */
export const SILENT_MS_PER_CHAR = 60;
const MAX_TEXT_CHARS = 4096; // Twilio's own limit for <Say>

// Female Polly voices by name; all others are treated as male. The language comes from `language`.
const POLLY_FEMALE = new Set([
  'joanna', 'kendra', 'kimberly', 'salli', 'ivy', 'ruth', 'danielle', 'amy', 'emma', 'nicole', 'olivia', 'raveena',
  'aditi', 'kajal', 'aria', 'ayanda', 'conchita', 'lucia', 'lupe', 'mia', 'penelope', 'celine', 'lea',
  'chantal', 'gabrielle', 'marlene', 'vicki', 'carla', 'bianca', 'camila', 'vitoria', 'ines', 'mizuki',
  'seoyeon', 'zhiyu', 'lotte', 'laura', 'liv', 'naja', 'maja', 'ewa', 'astrid', 'elin', 'tatyana', 'filiz', 'carmen',
  'dora', 'hannah', 'suvi', 'arlet', 'hiujin', 'ida', 'sofie', 'isabelle', 'lisa',
]);

// Twilio language tags to espeak-ng voice names, where the two differ.
const LANGUAGE_TO_ESPEAK: Record<string, string> = {
  'en-us': 'en-us', 'en-gb': 'en-gb', 'en-au': 'en-gb', 'en-nz': 'en-gb', 'en-ie': 'en-gb', 'en-za': 'en-gb',
  'en-in': 'en-gb', 'en-ca': 'en-us', 'en': 'en-us',
  'es-es': 'es', 'es-mx': 'es-419', 'es-us': 'es-419', 'es': 'es',
  'fr-fr': 'fr-fr', 'fr-ca': 'fr-fr', 'fr-be': 'fr-be', 'fr-ch': 'fr-ch', 'fr': 'fr-fr',
  'de-de': 'de', 'de-at': 'de', 'de-ch': 'de', 'it-it': 'it', 'pt-br': 'pt-br', 'pt-pt': 'pt', 'nl-nl': 'nl',
  'nl-be': 'nl', 'ja-jp': 'ja', 'ko-kr': 'ko', 'zh-cn': 'cmn', 'cmn-cn': 'cmn', 'zh-tw': 'cmn', 'zh-hk': 'yue',
  'yue-cn': 'yue', 'ru-ru': 'ru', 'pl-pl': 'pl', 'sv-se': 'sv', 'da-dk': 'da', 'nb-no': 'nb', 'fi-fi': 'fi',
  'ca-es': 'ca', 'hi-in': 'hi', 'tr-tr': 'tr', 'ar-ae': 'ar', 'arb': 'ar', 'cy-gb': 'cy', 'is-is': 'is', 'ro-ro': 'ro',
};

// Primary subtags espeak-ng 1.51 has a voice for, for tags the table above does not list.
const ESPEAK_LANGUAGES = new Set(
  ('af am an ar as az ba be bg bn bs ca cs cv cy da de el eo es et eu fa fi ga gd gn gu he hi hr ht hu hy ia id is it ' +
    'ja ka kk kl kn ko ku ky la lb lt lv mi mk ml mr ms mt my nb ne nl om or pa pl pt ro ru sd si sk sl sq sr sv sw ta ' +
    'te th tk tn tr tt ug uk ur uz vi').split(' '),
);

/** The espeak-ng `-v` argument for a Twilio voice and language, e.g. ('alice', 'en-GB') → 'en-gb+f3'. */
export function espeakVoice(voice = 'man', language = 'en-US'): string {
  let lang = language.toLowerCase();
  let female = voice === 'woman' || voice === 'alice';
  if (voice.startsWith('Polly.')) {
    female = POLLY_FEMALE.has(voice.slice(6).replace(/-(neural|generative|long-form)$/i, '').toLowerCase());
  } else if (voice.startsWith('Google.')) {
    // Google.en-GB-Standard-A names its language; its gender is not in the name.
    const m = /^Google\.([a-z]{2,3}-[A-Z]{2})/.exec(voice);
    if (m?.[1]) lang = m[1].toLowerCase();
  }
  const primary = lang.split('-')[0] ?? '';
  const base = LANGUAGE_TO_ESPEAK[lang] ?? (ESPEAK_LANGUAGES.has(primary) ? primary : 'en-us');
  return female ? `${base}+f3` : base;
}

export class TextToSpeech {
  private readonly cacheDir: string;
  private readonly espeakPath: string;
  private readonly timeoutMs: number;
  private readonly logger: { warn(message: string): void };
  private espeakMissing = false;
  private readonly inFlight = new Map<string, Promise<Int16Array>>();
  /** Recently spoken prompts in memory: a busy IVR says the same few sentences on every call. */
  private readonly recent = new Map<string, Int16Array>();
  private static readonly RECENT_MAX = 128;

  constructor(opts: TextToSpeechOptions) {
    this.cacheDir = opts.cacheDir;
    this.espeakPath = opts.espeakPath ?? 'espeak-ng';
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.logger = opts.logger ?? { warn: (m) => console.warn(m) };
  }

  /**
   * Speech for `text` as 8 kHz mono. Never rejects for speech failures: without espeak-ng, or when
   * it fails, the caller gets silence of about the spoken length and a warning is logged.
   */
  synthesize(text: string, opts: SayOptions = {}): Promise<Int16Array> {
    const clipped = text.slice(0, MAX_TEXT_CHARS);
    const voice = espeakVoice(opts.voice, opts.language);
    // SSML is spoken as one <speak> document; a document clipped mid-tag would not parse, so it is taken whole or not at all.
    const ssml = opts.ssml !== undefined && opts.ssml.length <= MAX_TEXT_CHARS * 2 ? `<speak>${opts.ssml}</speak>` : undefined;
    const key = createHash('sha256').update(`${voice}\0${opts.voice ?? ''}\0${opts.language ?? ''}\0${ssml ?? clipped}`).digest('hex');
    const hot = this.recent.get(key);
    if (hot) {
      this.recent.delete(key); // re-insert: Map order is the LRU order
      this.recent.set(key, hot);
      return Promise.resolve(hot);
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const work = this.lookupOrSpeak(key, clipped, voice, ssml).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  private async lookupOrSpeak(key: string, text: string, voice: string, ssml: string | undefined): Promise<Int16Array> {
    const file = join(this.cacheDir, `tts-${key}.wav`);
    try {
      return this.remember(key, readWav(await readFile(file)));
    } catch {
      // not cached yet (or unreadable): synthesize below
    }
    if (text.trim() === '') return new Int16Array(0);
    if (this.espeakMissing) return this.placeholder(text);
    let pcm: Int16Array;
    try {
      pcm = readWav(await this.runEspeak(ssml ?? text, voice, ssml !== undefined));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.espeakMissing = true;
        this.logger.warn(
          `tts: ${this.espeakPath} not found; <Say> will play silence. Install espeak-ng (apt-get install espeak-ng) for speech.`,
        );
      } else {
        this.logger.warn(`tts: espeak-ng failed for voice ${voice}: ${(err as Error).message}; playing silence instead`);
      }
      return this.placeholder(text);
    }
    try {
      await mkdir(this.cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, writeWav(pcm));
      await rename(tmp, file); // readers never see a half-written cache entry
    } catch (err) {
      this.logger.warn(`tts: could not cache speech in ${this.cacheDir}: ${(err as Error).message}`);
    }
    return this.remember(key, pcm);
  }

  private remember(key: string, pcm: Int16Array): Int16Array {
    this.recent.set(key, pcm);
    if (this.recent.size > TextToSpeech.RECENT_MAX) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    return pcm;
  }

  private placeholder(text: string): Int16Array {
    return silence(text.length * SILENT_MS_PER_CHAR);
  }

  private runEspeak(text: string, voice: string, ssml: boolean): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      // Text goes in on stdin, so nothing the webhook wrote can be read as a command-line option.
      const args = ['--stdout', '--stdin', ...(ssml ? ['-m'] : []), '-v', voice];
      const child = spawn(this.espeakPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(Buffer.concat(out));
        else reject(new Error(signal ? `killed by ${signal} after ${this.timeoutMs} ms` : `exit ${code}: ${err.trim()}`));
      });
      child.stdin.on('error', () => undefined); // EPIPE when espeak exits early; 'close' reports why
      child.stdin.end(text);
    });
  }
}
