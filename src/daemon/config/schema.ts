/**
 * The config file's schema (zod). It validates the merged object (defaults ← file ← flags) in one
 * pass and reports every problem, never just the first; unknown keys are problems too (a typo such
 * as `registar` must not be silently ignored).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { AUTH_ALGORITHMS, LOG_LEVELS } from './defaults.js';
import { parseRtpengineSocket } from '../rtpengine/socket-spec.js';
import { isHostname, parseListen } from './listen.js';

const listenEntry = z.string().superRefine((s, ctx) => {
  try {
    parseListen(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const rtpengineSocket = z.string().superRefine((s, ctx) => {
  try {
    parseRtpengineSocket(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const domainEntry = z.string().refine((s) => isIP(s.replace(/^\[(.*)\]$/, '$1')) !== 0 || isHostname(s), {
  message: 'not a domain name or IP address',
});

/** `sqlite:PATH`, `sqlite:///abs/path`, or `mysql://user[:password]@host[:port]/database`. */
export function dbUrlProblem(url: string): string | undefined {
  if (url === '') return undefined;
  if (url.startsWith('sqlite:')) {
    return url.slice('sqlite:'.length).replace(/^\/\//, '') === '' ? 'sqlite: needs a file path' : undefined;
  }
  if (/^(mysql|mariadb):\/\//.test(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return 'not a valid URL (expected mysql://user:password@host:port/database)';
    }
    if (!u.hostname) return 'missing host (expected mysql://user:password@host:port/database)';
    if (u.pathname.replace(/^\//, '') === '') return 'missing database name (mysql://user@host/DATABASE)';
    return undefined;
  }
  return 'expected sqlite:PATH or mysql://user:password@host:port/database';
}

const dbUrl = z.string().superRefine((s, ctx) => {
  const p = dbUrlProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});

const nonEmptyPath = z.string().min(1, 'must not be empty');
const seconds = (min: number, max: number) => z.number().int().min(min).max(max);
const SIP_METHOD = /^[A-Z][A-Z0-9._!%*+`'~-]*$/;

/** An address or CIDR prefix: 10.0.0.0/8, 2001:db8::/32, 192.0.2.7. */
export function isCidr(s: string): boolean {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined) return false;
  const v = isIP(addr);
  if (v === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128);
}

/** Octal file mode as a TOML integer (0o660) or a string ("0660"). */
const fileMode = z.union([z.number().int(), z.string().regex(/^0?[0-7]{3}$/, 'expected an octal mode such as "0660"')]);

export const configSchema = z.strictObject({
  listen: z.array(listenEntry),
  domains: z.array(domainEntry),
  db_url: dbUrl,
  data_dir: nonEmptyPath,
  run_dir: nonEmptyPath,
  route: z
    .string()
    .regex(/^$|\.(js|mjs|cjs|ts|mts)$/, 'expected a route module path ending in .js, .mjs, .cjs, .ts or .mts'),
  route_timeout_ms: z.number().int().min(1).max(3600000),
  workers: z.number().int().min(1).max(64),
  worker_steering: z.enum(['off', 'call-id']),
  auth: z.strictObject({
    realm: z.string(),
    nonce_expires: seconds(1, 86400),
    secret: z.string().refine((v) => v === '' || v.length >= 16, 'use at least 16 characters (or "" for a random key)'),
    algorithms: z.array(z.enum(AUTH_ALGORITHMS)).min(1, 'list at least one algorithm'),
    qop: z.enum(['auth', '']),
    allow_no_qop: z.boolean(),
    register: z.boolean(),
    methods: z.array(z.string().regex(SIP_METHOD, 'expected an upper-case SIP method name such as INVITE')),
  }),
  registrar: z.strictObject({
    min_expires: seconds(0, 2 ** 31 - 1),
    default_expires: seconds(1, 2 ** 31 - 1),
    max_expires: seconds(0, 2 ** 31 - 1),
    max_contacts: z.number().int().min(0).max(10000),
    min_expires_mode: z.enum(['reject', 'clamp']),
    accept_unknown: z.boolean(),
  }),
  usrloc: z.strictObject({
    db_mode: z
      .number()
      .refine(
        (v) => v === 0 || v === 1,
        'expected 1 (durable: REGISTER answered after its commit) or 0 (memory only: bindings lost on restart)',
      ),
  }),
  timers: z.strictObject({
    t1_ms: z.number().int().min(1).max(60000),
    t2_ms: z.number().int().min(1).max(600000),
    t4_ms: z.number().int().min(1).max(600000),
    fr_ms: z.number().int().min(1).max(3600000),
    fr_inv_ms: z.number().int().min(1).max(3600000),
    wt_ms: z.number().int().min(0).max(600000),
    drain_ms: z.number().int().min(0).max(3600000),
  }),
  nat: z.strictObject({
    fix_register: z.boolean(),
    keepalive_interval: seconds(0, 86400),
  }),
  protection: z.strictObject({
    rate_limit: z.number().int().min(0),
    rate_window: seconds(1, 3600),
    ban_failures: z.number().int().min(0),
    ban_window: seconds(1, 86400),
    ban_time: seconds(1, 30 * 86400),
    exempt: z.array(z.string().refine(isCidr, 'expected an IP address or CIDR prefix such as 10.0.0.0/8')),
  }),
  limits: z.strictObject({
    max_message_size: z.number().int().min(1024).max(65535),
    overload_backlog_ms: z.number().int().min(0).max(60_000),
    overload_retry_after: z.number().int().min(1).max(3600),
  }),
  tcp: z.strictObject({
    max_connections: z.number().int().min(1).max(1_000_000),
    max_connections_per_ip: z.number().int().min(0).max(1_000_000),
    idle_timeout: seconds(1, 86400),
    message_timeout: seconds(1, 3600),
  }),
  tls: z.strictObject({
    certificate: z.string(),
    private_key: z.string(),
    ca_list: z.string(),
    verify_client: z.boolean(),
    verify_server: z.boolean(),
    min_version: z.enum(['TLSv1.2', 'TLSv1.3']),
    domain: z.array(
      z.strictObject({
        server_name: z
          .string()
          .refine(
            (s) => isHostname(s.replace(/^\*\./, 'x.')),
            'expected a domain name such as sip.example.com or *.example.com',
          ),
        certificate: z.string().min(1, 'give the certificate file of this domain'),
        private_key: z.string().min(1, 'give the private key file of this domain'),
      }),
    ),
  }),
  websocket: z.strictObject({
    path: z
      .string()
      .regex(/^\/[\x21-\x7e]*$/, 'expected an absolute HTTP path such as "/" or "/ws" (no spaces, no query)')
      .refine((p) => !p.includes('?') && !p.includes('#'), 'expected a path without a query or fragment'),
    allowed_origins: z.array(
      z
        .string()
        .regex(/^https?:\/\/[^/\s]+$/i, 'expected an origin: scheme://host[:port] such as "https://phone.example.com"'),
    ),
    ping_interval: seconds(0, 3600),
  }),
  proxy: z.strictObject({
    mode: z.enum(['proxy', 'redirect']),
    record_route: z.boolean(),
  }),
  acl: z.array(
    z.strictObject({
      prefix: z.string().regex(/^[0-9A-Za-z+*#.-]+$/, 'expected a non-empty number prefix such as "00" or "+1900"'),
      group: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a group name such as "intl"'),
    }),
  ),
  rtpengine: z.strictObject({
    sockets: z.array(rtpengineSocket),
    mode: z.enum(['nat', 'always', 'off']),
    timeout_ms: z.number().int().min(10).max(60000),
    retries: z.number().int().min(0).max(20),
    disable_time: seconds(1, 86400),
    on_failure: z.enum(['503', 'relay']),
    max_call_time: seconds(0, 2 ** 31 - 1),
    check_time: seconds(1, 86400),
  }),
  logging: z.strictObject({
    level: z.enum(LOG_LEVELS),
    file: z.string(),
    format: z.enum(['auto', 'json', 'pretty']),
  }),
  mgmt: z.strictObject({
    socket: z.string(),
    mode: fileMode,
    group: z.string(),
  }),
});

export interface ConfigProblem {
  /** Dotted key with list indexes: `registrar.min_expires`, `listen[1]`, `acl[0].group`. */
  key: string;
  message: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- reads a not-yet-validated object defensively */
/**
 * Rules that span keys. They run on the raw merged object even when other keys are invalid, and
 * skip a rule whose inputs are invalid, so every problem is reported once.
 */
export function crossKeyProblems(c: any): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const add = (key: string, message: string) => out.push({ key, message });
  const int = (v: unknown): v is number => Number.isInteger(v);
  const r = c?.registrar ?? {};
  if (int(r.min_expires) && int(r.default_expires) && r.default_expires < r.min_expires) {
    add('registrar.default_expires', `must be >= registrar.min_expires (${r.min_expires})`);
  }
  if (int(r.max_expires) && r.max_expires > 0) {
    for (const k of ['min_expires', 'default_expires']) {
      if (int(r[k]) && r[k] > r.max_expires) {
        add(`registrar.${k}`, `must be <= registrar.max_expires (${r.max_expires}; 0 means no maximum)`);
      }
    }
  }
  const t = c?.timers ?? {};
  if (int(t.t1_ms) && int(t.t2_ms) && t.t2_ms < t.t1_ms) add('timers.t2_ms', `must be >= timers.t1_ms (${t.t1_ms})`);
  const seen = new Map<string, number>();
  (Array.isArray(c?.listen) ? c.listen : []).forEach((text: unknown, i: number) => {
    if (typeof text !== 'string') return;
    let key: string;
    try {
      const l = parseListen(text);
      if (l.port === 0) return; // several ephemeral ports on one address are fine
      // tcp, tls, ws and wss all bind a TCP port: two of them cannot share one.
      key = `${l.proto === 'udp' ? 'udp' : 'tcp'}:${l.host}:${l.port}`;
    } catch {
      return;
    }
    const first = seen.get(key);
    if (first !== undefined) add(`listen[${i}]`, `duplicates listen[${first}] ('${text}')`);
    else seen.set(key, i);
  });
  const rtpe = c?.rtpengine ?? {};
  if (rtpe.mode === 'always' && Array.isArray(rtpe.sockets) && rtpe.sockets.length === 0) {
    add('rtpengine.mode', '"always" needs rtpengine.sockets (at least one "udp:IP:PORT")');
  }
  const raw = c?.mgmt?.mode;
  const mode = typeof raw === 'string' && /^0?[0-7]{3}$/.test(raw) ? parseInt(raw, 8) : raw;
  if (int(mode)) {
    if (mode < 0 || mode > 0o777) add('mgmt.mode', 'expected a file mode from 0 to 0777');
    else if ((mode & 0o007) !== 0) {
      add('mgmt.mode', `0${mode.toString(8)} gives other users access to the management socket; use 0660 or tighter`);
    } else if ((mode & 0o600) !== 0o600) {
      add('mgmt.mode', `0${mode.toString(8)} does not let sipd's own user read and write the socket`);
    }
  }
  return out;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type ValidFileConfig = z.output<typeof configSchema>;
