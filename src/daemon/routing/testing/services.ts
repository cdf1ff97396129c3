/**
 * The services a harness run's request context uses: the in-memory directory, the real location
 * service without persistence (memory only, as usrloc db_mode 0), the real AuthGuard over core's
 * DigestServer and the real RegistrarHandler, so that auth(), registrar.save() and
 * location.lookup() behave in a test exactly as in sipd.
 */
import { DigestServer, RouteMarks, type Transport } from '../../../core/index.js';
import { AuthGuard } from '../../auth/auth-guard.js';
import { RegistrarHandler } from '../../registrar/registrar-handler.js';
import { LocationService } from '../../usrloc/location-service.js';
import type { RouteSettings } from '../api/route.js';
import type { Relayer, RouteServices } from '../api/services.js';
import { Myself } from '../myself.js';
import { Protection } from '../protection.js';
import { MemoryDirectory, type DirectoryData } from './memory-directory.js';
import { fakeTransport } from './requests.js';

export interface HarnessOptions extends DirectoryData {
  /** what sipd.conf would say (default: sipd's defaults, record_route on, no ACL) */
  settings?: Partial<RouteSettings>;
  /** `[auth] register` (default true): the registrar challenges REGISTER */
  authenticateRegister?: boolean;
  /** the clock (ms since the epoch) of nonces, registrations and expiries */
  now?: () => number;
}

/** sipd's defaults (config/defaults.ts) for the settings a route reads. */
export const DEFAULT_SETTINGS: RouteSettings = {
  authMethods: ['INVITE', 'MESSAGE', 'SUBSCRIBE', 'PUBLISH', 'REFER', 'NOTIFY', 'INFO', 'OPTIONS'],
  mode: 'proxy',
  recordRoute: true,
  acl: [],
};

const counter = () => ({ inc: () => {} });

/** Everything but the relayer, which each run has its own of. */
export type BaseServices = Omit<RouteServices, 'relayer'> & {
  readonly directory: MemoryDirectory;
  readonly location: LocationService;
  readonly relayDenials: { count: number };
};

export function harnessServices(opts: HarnessOptions): BaseServices {
  const now = opts.now ?? Date.now;
  const directory = new MemoryDirectory(opts);
  const location = new LocationService(undefined, now);
  const protection = new Protection(
    { rateLimit: 0, rateWindow: 1, banFailures: 0, banWindow: 1, banTime: 1, exempt: [] },
    now,
  );
  const digest = new DigestServer({ algorithms: ['MD5'], qop: ['auth'], oneTimeNoQop: true, now });
  const counters = { challenges: counter(), successes: counter(), failures: counter(), bans: counter() };
  const auth = new AuthGuard(digest, directory, protection, counters, opts.realm ?? '');
  const me = new Myself([fakeTransport('UDP')] as Transport[], [...directory.domainList()]);
  auth.myself = me;
  const registrar = new RegistrarHandler(
    directory,
    location,
    auth,
    { accepted: counter(), rejected: counter() },
    {
      policy: { defaultExpires: 3600, minExpires: 60, maxExpires: 0, maxContacts: 0 },
      clampMinExpires: false,
      authenticate: opts.authenticateRegister ?? true,
      fixNatedRegister: true,
      now,
    },
  );
  const relayDenials = { count: 0 };
  return {
    directory,
    location,
    auth,
    registrar,
    marks: new RouteMarks('sipkit route harness'),
    settings: { ...DEFAULT_SETTINGS, ...opts.settings },
    myself: () => me,
    relayDenied: () => relayDenials.count++,
    relayDenials,
  };
}

/** The services of one run, with its own relayer. */
export function withRelayer(base: BaseServices, relayer: Relayer): RouteServices {
  return { ...base, relayer };
}
