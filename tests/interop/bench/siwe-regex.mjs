// A small EIP-4361 parser for the node column of `bench protocol` (no siwe package is installed in this repo).
// One anchored regular expression over the ABNF's line structure, then the checks a parser must do on the
// captured fields: EIP-55 checksum (ethers 6 getAddress) and that the timestamps are real dates.
// It does NOT validate the RFC 3986 URIs or the RFC 3339 grammar as strictly as our C# parser does, so it does
// less work than ours: treat its figure as an optimistic stand-in for a node EIP-4361 parser.
import { getAddress } from 'ethers';

const DATE = '(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2}))';
const SIWE = new RegExp(
  '^(?:([A-Za-z][A-Za-z0-9+.-]*)://)?([^\\s/?#]+) wants you to sign in with your Ethereum account:\\n' +
    '(0x[0-9a-fA-F]{40})\\n\\n' +
    '(?:([^\\n]+)\\n)?\\n' +
    'URI: (\\S+)\\n' +
    'Version: (1)\\n' +
    'Chain ID: ([1-9]\\d*)\\n' +
    'Nonce: ([A-Za-z0-9]{8,})\\n' +
    `Issued At: ${DATE}` +
    `(?:\\nExpiration Time: ${DATE})?` +
    `(?:\\nNot Before: ${DATE})?` +
    '(?:\\nRequest ID: ([^\\n]*))?' +
    '(?:\\nResources:((?:\\n- \\S+)*))?$',
);

/** Returns the parsed fields or throws on any violation. */
export function parseSiwe(text) {
  const m = SIWE.exec(text);
  if (!m) throw new Error('not an EIP-4361 message');
  const [, scheme, domain, address, statement, uri, version, chainId, nonce, issuedAt, expirationTime, notBefore, requestId, resources] = m;
  if (address !== address.toLowerCase() && getAddress(address) !== address) throw new Error('bad EIP-55 checksum');
  for (const t of [issuedAt, expirationTime, notBefore]) {
    if (t !== undefined && Number.isNaN(Date.parse(t))) throw new Error('bad date');
  }
  return {
    scheme, domain, address, statement, uri, version, chainId, nonce, issuedAt, expirationTime, notBefore, requestId,
    resources: resources === undefined ? undefined : resources.split('\n- ').slice(1),
  };
}
