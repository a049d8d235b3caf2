import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * The built-in `demo` vendor key (product.md §2). Its private half ships with the suite on purpose, so that the
 * demo store, tests and trainings can issue licenses; every license it signs is therefore marked "Demo"
 * everywhere and never mistaken for a real one.
 */
export const DEMO_KID = 'demo';

const DEMO_PRIVATE_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIGTinNx7TlH3A7Q0BMraO0YLwYHwXSLXN0MwQrPPfs/N
-----END PRIVATE KEY-----
`;

/** The demo vendor's private key (for issuing demo licenses). */
export function demoPrivateKey(): KeyObject {
  return createPrivateKey(DEMO_PRIVATE_KEY_PEM);
}

/** The demo vendor's public key. */
export function demoPublicKey(): KeyObject {
  return createPublicKey(demoPrivateKey());
}
