/**
 * Node built-ins required at their first use instead of imported. An import compiles the
 * built-in and the internal modules behind it at every start of every program that imports the
 * module using it, used or not: node:crypto is ~17 internal modules (~12 M instructions at
 * start-up), node:dgram and node:dns a handful each. siptest's first INVITE waited for all of
 * them (issue 15: start-up within 2x a bare `node -e 0`); a scenario without authentication
 * never hashes, a run against an IP address never resolves a name.
 *
 * createRequire, not import(): in siptest's bundle (compiled through vm.Script by bin/load.js) a
 * dynamic import() of a built-in has no loader. Each getter keeps its module, so a hot path pays
 * one call and one load, not a require().
 */
import type * as Crypto from 'node:crypto';
import type * as Dgram from 'node:dgram';
import type * as Dns from 'node:dns';
import type * as DnsPromises from 'node:dns/promises';
import { createRequire } from 'node:module';
import type * as Os from 'node:os';

let load: NodeJS.Require | undefined;
const req = <T>(id: string): T => (load ??= createRequire(import.meta.url))(id) as T;

let crypto: typeof Crypto | undefined;
let dgram: typeof Dgram | undefined;
let dns: typeof Dns | undefined;
let dnsPromises: typeof DnsPromises | undefined;
let os: typeof Os | undefined;

export const nodeCrypto = (): typeof Crypto => (crypto ??= req<typeof Crypto>('node:crypto'));
export const nodeDgram = (): typeof Dgram => (dgram ??= req<typeof Dgram>('node:dgram'));
export const nodeDns = (): typeof Dns => (dns ??= req<typeof Dns>('node:dns'));
export const nodeDnsPromises = (): typeof DnsPromises => (dnsPromises ??= req<typeof DnsPromises>('node:dns/promises'));
export const nodeOs = (): typeof Os => (os ??= req<typeof Os>('node:os'));
