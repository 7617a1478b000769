// A plain node-smpp ESME for the ceiling: binds as transceiver, pushes submit_sm with a fixed window, and
// acknowledges every deliver_sm at once.
import smpp, { type Session } from 'smpp';

export interface EsmeClient {
  session: Session;
  delivered: number;
  /** Sends `count` submit_sm keeping `window` outstanding; resolves with round trips per second. */
  submitBurst(tag: string, count: number, window: number, maxMs: number): Promise<{ done: number; perS: number }>;
  close(): Promise<void>;
}

export function connectEsme(port: number): Promise<EsmeClient> {
  return new Promise((resolve, reject) => {
    const session = smpp.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => reject(new Error('SMPP bind timed out')), 10_000);
    session.on('error', (e: Error) => reject(e));
    session.on('connect', () => {
      session.socket.setNoDelay(true);
      session.send(new smpp.PDU('bind_transceiver', { system_id: 'ceiling', password: 'bench' }), (r) => {
        clearTimeout(timer);
        if (r.command_status !== 0) return reject(new Error(`bind refused: ${r.command_status}`));
        const client: EsmeClient = {
          session,
          delivered: 0,
          submitBurst(tag, count, window, maxMs) {
            return new Promise((done) => {
              let sent = 0;
              let acked = 0;
              const t0 = performance.now();
              const deadline = t0 + maxMs;
              const finish = (): void => done({ done: acked, perS: Math.round((acked * 1000) / (performance.now() - t0)) });
              const one = (): void => {
                const i = sent++;
                session.send(
                  new smpp.PDU('submit_sm', {
                    source_addr_ton: 1, source_addr_npi: 1, source_addr: '15550000001',
                    dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '15550000002',
                    registered_delivery: 0,
                    short_message: Buffer.from(`${tag}:${i}`),
                  }),
                  () => {
                    acked++;
                    if (acked === count || (performance.now() > deadline && acked === sent)) finish();
                    else if (sent < count && performance.now() <= deadline) one();
                  },
                );
              };
              for (let k = 0; k < Math.min(window, count); k++) one();
            });
          },
          close: () => new Promise<void>((res) => {
            const t = setTimeout(() => session.destroy(() => res()), 1_000);
            session.send(new smpp.PDU('unbind'), () => {
              clearTimeout(t);
              session.destroy(() => res());
            });
          }),
        };
        session.on('deliver_sm', (pdu) => {
          client.delivered++;
          session.send(pdu.response());
        });
        resolve(client);
      });
    });
  });
}
