import { COUNTRY_NAMES } from './dataset-intl.js';
import { DIAL_CODE, splitE164 } from './numbering.js';
import type { Block, CountryCode, CountrySummary, NumberType } from './types.js';

/**
 * The numbering plan in memory: a few hundred blocks, looked up by index key, by dialled digits and by
 * country/type. Geo and capability filters resolve here, without touching LMDB.
 */
export class BlockCatalog {
  private readonly byKey = new Map<string, Block>();
  private readonly byDial = new Map<string, Block>();
  private readonly bySpace = new Map<string, Block[]>();

  constructor(readonly blocks: readonly Block[]) {
    for (const b of blocks) {
      this.byKey.set(b.key, b);
      this.byDial.set(DIAL_CODE[b.country] + b.prefix, b);
      const space = b.key.slice(0, 3);
      const list = this.bySpace.get(space) ?? [];
      list.push(b);
      this.bySpace.set(space, list);
    }
    for (const list of this.bySpace.values()) list.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  }

  /** Blocks of one country/type, in national-number order. */
  inSpace(space: string): readonly Block[] {
    return this.bySpace.get(space) ?? [];
  }

  blockOfKeyPrefix(spaceAndPrefix: string): Block | undefined {
    return this.byKey.get(spaceAndPrefix);
  }

  /** The block a phone number (E.164, or bare NANP digits) belongs to, whether or not it is still available. */
  locate(phone: string): { block: Block; national: string } | undefined {
    const parts = splitE164(phone);
    if (!parts) return undefined;
    const block = this.byDial.get(parts.dial + parts.national.slice(0, 6));
    return block ? { block, national: parts.national } : undefined;
  }

  /** First block with coordinates in a NANP area code: where a number we do not stock is "near". */
  anchorOfAreaCode(npa: string): Block | undefined {
    for (const list of this.bySpace.values()) {
      const hit = list.find((b) => b.prefix.startsWith(npa) && b.latitude !== null);
      if (hit) return hit;
    }
    return undefined;
  }

  countries(): CountrySummary[] {
    const order: CountryCode[] = ['US', 'CA', 'GB'];
    const typeOrder: NumberType[] = ['local', 'tollFree', 'mobile'];
    return order
      .map((cc) => ({
        countryCode: cc,
        country: COUNTRY_NAMES[cc] ?? cc,
        beta: false,
        types: typeOrder.filter((t) => this.blocks.some((b) => b.country === cc && b.type === t)),
      }))
      .filter((c) => c.types.length > 0);
  }
}
