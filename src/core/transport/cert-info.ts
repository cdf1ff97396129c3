/**
 * What an operator needs to know about a certificate a TLS listener serves (kamctl's `tls`
 * listing): who it names (subject, subjectAltName: RFC 5922 §7.1 says SIP identities are matched
 * against the SAN first), who signed it, and when it stops being valid. Read with Node's own
 * X.509 parser; a chain's first certificate is the one a client checks against the name it asked
 * for (RFC 5246 §7.4.2: the sender's certificate comes first).
 */
import { X509Certificate } from 'node:crypto';

export interface CertificateInfo {
  /** Distinguished name, one `KEY=value` per RDN, joined with ", " (e.g. "CN=sip.example.com, O=Example"). */
  subject: string;
  /** subjectAltName entries as OpenSSL prints them ("DNS:sip.example.com", "IP Address:192.0.2.1"). */
  san: string[];
  issuer: string;
  /** ISO 8601 (UTC). */
  notBefore: string;
  notAfter: string;
  /** Whole days from `now` to notAfter, rounded down; negative once expired. */
  daysLeft: number;
  /** SHA-256 fingerprint, colon-separated hex (what `openssl x509 -fingerprint -sha256` prints). */
  fingerprint256: string;
  serial: string;
}

const DAY_MS = 86_400_000;

/** The first certificate of a PEM chain, described. Throws when the text holds no parsable certificate. */
export function describeCertificate(pem: string | Buffer, now: number = Date.now()): CertificateInfo {
  const c = new X509Certificate(pem);
  // Node 20 has only the OpenSSL date text ("Dec  6 21:45:47 2026 GMT"), which Date.parse reads.
  const notBefore = Date.parse(c.validFrom);
  const notAfter = Date.parse(c.validTo);
  return {
    subject: c.subject.split('\n').join(', '),
    san: c.subjectAltName === undefined ? [] : c.subjectAltName.split(', '),
    issuer: c.issuer.split('\n').join(', '),
    notBefore: new Date(notBefore).toISOString(),
    notAfter: new Date(notAfter).toISOString(),
    daysLeft: Math.floor((notAfter - now) / DAY_MS),
    fingerprint256: c.fingerprint256,
    serial: c.serialNumber,
  };
}
