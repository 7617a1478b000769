// The durable opt-out list: (sender, handset) pairs blocked by a STOP-class keyword. MessageSender refuses sends
// to a blocked pair with 21610 (it reads the same table through MessageStore.optedOut).
import type { Tables } from '../../store/db.js';

export class OptOuts {
  constructor(private readonly t: Tables) {}

  optOut(sender: string, handset: string): Promise<boolean> {
    return this.t.optOuts.put([sender, handset], Date.now());
  }

  optIn(sender: string, handset: string): Promise<boolean> {
    return this.t.optOuts.remove([sender, handset]);
  }

  isOptedOut(sender: string, handset: string): boolean {
    return this.t.optOuts.doesExist([sender, handset]);
  }
}
