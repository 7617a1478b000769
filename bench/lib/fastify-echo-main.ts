// The HTTP half of the ceiling: fastify 5 with @fastify/formbody answering a Twilio-style form POST with a small
// TwiML document, as a webhook app or tandem's API would. FASTIFY_PORT (0 = any); prints {"port":N}.
import Fastify from 'fastify';
import formbody from '@fastify/formbody';

const app = Fastify({ logger: false });
await app.register(formbody);
const twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>';
app.post('/sms', async (req, reply) => {
  const body = req.body as Record<string, string>;
  reply.type('text/xml');
  return body.Body === undefined ? '<Response/>' : twiml;
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.FASTIFY_PORT ?? 0) });
const addr = app.server.address();
process.stdout.write(JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 }) + '\n');
const shutdown = (): void => {
  void app.close().finally(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
