// /sandbox/Calls: the sandbox handset's calls. GET lists what it heard; POST dials a tandem number from it.
import type { FastifyInstance } from 'fastify';
import type { RouteModule } from '../api/app.js';
import { badRequest } from '../api/errors.js';
import { intParam, normalizePhoneNumber, str, type RawParams } from '../api/params.js';
import type { Voice } from '../voice/voice.js';
import type { SandboxCall, SandboxPhone } from './phone.js';

const DIGITS = /^[0-9A-D#*wW]{0,64}$/;

function callJson(c: SandboxCall, voice: Voice): Record<string, unknown> {
  const end = c.endedAt ?? Date.now();
  return {
    id: c.id,
    direction: c.direction,
    from: c.from,
    to: c.to,
    call_sid: c.callSid,
    status: c.status,
    sip_status: c.sipStatus,
    // What tandem ran on the leg the handset talked to (Say text, Play URLs, Gather, Dial, Hangup, ...).
    verbs: (c.callSid && voice.journal(c.callSid)) || [],
    digits_heard: c.digitsHeard,
    digits_sent: c.digitsSent,
    audio_heard_ms: Math.round(c.audioHeardMs),
    duration: c.answeredAt === null ? 0 : Math.round((end - c.answeredAt) / 1000),
    hung_up_by: c.hungUpBy,
    started_at: new Date(c.startedAt).toISOString(),
    answered_at: c.answeredAt === null ? null : new Date(c.answeredAt).toISOString(),
    ended_at: c.endedAt === null ? null : new Date(c.endedAt).toISOString(),
  };
}

export function registerSandboxCallRoutes(phone: SandboxPhone, voice: Voice): RouteModule {
  return (app: FastifyInstance) => {
    app.get('/sandbox/Calls.json', async () => ({ calls: phone.list().map((c) => callJson(c, voice)) }));

    app.delete('/sandbox/Calls.json', async (_req, reply) => {
      phone.clear();
      reply.code(204);
      return null;
    });

    app.post('/sandbox/Calls', async (req, reply) => {
      const p = (req.body ?? {}) as RawParams;
      const from = normalizePhoneNumber(str(p, 'From') ?? '');
      const to = normalizePhoneNumber(str(p, 'To') ?? '');
      const digits = str(p, 'Digits') ?? '';
      if (!from) throw badRequest(21212, "'From' must be a phone number");
      if (!to) throw badRequest(21211, "'To' must be a phone number");
      if (!DIGITS.test(digits)) throw badRequest(21000, 'Digits may hold up to 64 of 0-9, A-D, #, * and w/W pauses');
      const hangupAfterS = intParam(p, 'HangupAfter', 1, 3600) ?? 30;
      const digitsDelayMs = intParam(p, 'DigitsDelayMs', 0, 60_000) ?? 1000;
      const call = await phone.place({ from, to, digits, hangupAfterS, digitsDelayMs });
      reply.code(201);
      return callJson(call, voice);
    });
  };
}
