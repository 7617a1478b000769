// /sandbox/*: the embedded carrier's handset, for trying tandem with no phone and no carrier contract.
import type { FastifyInstance } from 'fastify';
import type { SandboxSmsc } from './smsc.js';
import { badRequest } from '../api/errors.js';
import { normalizePhoneNumber, str, type RawParams } from '../api/params.js';
import { isShortCode } from '../numbers/short-code.js';

export function registerSandboxRoutes(app: FastifyInstance, smsc: SandboxSmsc): void {
  // What the sandbox carrier received from tandem, in arrival order (multi-part messages joined).
  app.get('/sandbox/Messages.json', async () => ({ messages: smsc.messages() }));

  // The sandbox handset texts a tandem number: the sandbox carrier delivers it over SMPP like a real carrier.
  app.post('/sandbox/Messages', async (req, reply) => {
    const p = (req.body ?? {}) as RawParams;
    const from = normalizePhoneNumber(str(p, 'From') ?? '');
    // A tandem number, or one of its short codes.
    const toRaw = str(p, 'To') ?? '';
    const to = normalizePhoneNumber(toRaw) ?? (isShortCode(toRaw) ? toRaw : null);
    const body = str(p, 'Body') ?? '';
    if (!from) throw badRequest(21212, "'From' must be a phone number");
    if (!to) throw badRequest(21211, "'To' must be a phone number or a short code");
    if (body === '') throw badRequest(21602, 'Body is required');
    if (!smsc.hasReceiver) throw badRequest(30008, 'tandem has no bind to the sandbox carrier right now; try again in a moment');
    await smsc.sendMo(from, to, body);
    reply.code(201);
    return { from, to, body, status: 'delivered-to-tandem' };
  });

  app.delete('/sandbox/Messages.json', async (_req, reply) => {
    smsc.clear();
    reply.code(204);
    return null;
  });

  // Carrier fault injection, so users can watch tandem ride out an outage or throttling.
  app.post('/sandbox/Carrier/DropBinds', async () => {
    smsc.dropBinds();
    return { dropped: true };
  });
  app.post('/sandbox/Carrier/Throttle', async (req) => {
    const n = Number(str((req.body ?? {}) as RawParams, 'Count') ?? '10');
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw badRequest(21000, 'Count must be an integer from 1 to 100000');
    smsc.throttleNext(n);
    return { throttling: n };
  });
}
