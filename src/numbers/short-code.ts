// Short codes ("12345"): a sender of 3 to 8 digits with no country prefix, leased from a carrier (5 or 6 digits in
// the US and Canada). tandem keeps them with the account's numbers (src/numbers/numbers.ts#addShortCode), paced at
// the short-code rate; the carrier gets and gives them as an unknown-type SMPP address (protocols/smpp/address.ts).
const SHORT_CODE = /^\d{3,8}$/;

export function isShortCode(s: string): boolean {
  return SHORT_CODE.test(s);
}
