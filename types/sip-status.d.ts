declare module 'sip-status' {
  /** RFC 3261 (and later RFCs') reason phrases by status code. */
  const reasons: Record<number, string>;
  export default reasons;
}
