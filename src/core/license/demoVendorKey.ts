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

/** The raw Ed25519 public key of the demo vendor key, base64 (the `--trusted-key demo=…` form; refused under any other key id). */
export const DEMO_PUBLIC_KEY_BASE64 = '1R6ibltX4ShYIxxR3XaAyPHNCHXIVvHuRjwxBm9Qs0w=';

/** The demo vendor's private key (for issuing demo licenses). */
export function demoPrivateKey(): KeyObject {
  return createPrivateKey(DEMO_PRIVATE_KEY_PEM);
}

/** The demo vendor's public key. */
export function demoPublicKey(): KeyObject {
  return createPublicKey(demoPrivateKey());
}
