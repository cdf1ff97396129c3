/**
 * Hand-written parts of sipd(8). The command list, flags and exit codes are generated from the
 * commands (commands/sipd, src/cli/daemon-flags.ts) and src/shared/exit-codes.ts. The configuration,
 * management-socket, statistics and signals sections were written with the daemon (src/daemon) and
 * are kept here as roff; test/unit/daemon/config.test.ts checks that the example file is valid.
 */
import { pathDefault } from '../../rc-keys.js';
import type { BinProse } from '../man-page.js';
import { colourEnvironment, pathEnvironment } from './common.js';

const configurationFile = String.raw`The file is TOML (https://toml.io). Every key is optional; an unknown key is an error (with a
suggestion for typos). Relative directories are relative to the file.
Values in brackets are the defaults.
.PP
.nf
listen = ["udp:0.0.0.0:5060", "tcp:0.0.0.0:5060"]  # [UDP+TCP 5060 on all IPv4 and IPv6 addresses]
domains = ["example.com"]        # [host name, localhost, host addresses]
db_url = "mysql://sip:secret@127.0.0.1:3306/sipkit"   # [sqlite:DATA_DIR/sipkit.db]
data_dir = "/var/lib/sipkit"
run_dir = "/run/sipkit"
route = "/etc/sipkit/route.ts"   # [""] = the built-in default route; see ROUTE FILES
route_timeout_ms = 10000 # a route that neither answers nor relays by then gets the request a 500
workers = 1              # processes sharing the listeners; see WORKERS
worker_steering = "off"  # workers share each UDP socket; "call-id": the kernel steers each
                         # datagram to its Call-ID's worker (needs CAP_BPF); see WORKERS

[auth]
realm = ""               # [""] = the request's domain
nonce_expires = 300      # seconds; older nonces are challenged again with stale=true
secret = ""              # HMAC key of nonces and Record-Route marks, the same on every node of a
                         # cluster; [""] = nonces: random per start, marks: DATA_DIR/route-mark.key
algorithms = ["MD5"]     # MD5, SHA-256 (RFC 8760)
qop = "auth"             # "auth" or "" (no qop)
allow_no_qop = false     # accept an answer without qop although qop was offered (each nonce once)
register = true          # REGISTER must authenticate (401)
methods = ["INVITE", "MESSAGE", "SUBSCRIBE", "PUBLISH", "REFER", "NOTIFY", "INFO", "OPTIONS"]
                         # out-of-dialog requests from local users that must authenticate (407)

[registrar]
min_expires = 60
default_expires = 3600
max_expires = 0          # 0 = no maximum
max_contacts = 0         # per AoR; 0 = no limit
min_expires_mode = "reject"   # "reject" (423 + Min-Expires) or "clamp"
accept_unknown = false   # with auth.register = false: true = any user of a served domain may
                         # register (Kamailio's way); false = 404 for users that are not subscribers

[usrloc]
db_mode = 1              # 1 = durable: 200 only after the commit; 0 = memory only (lost on restart)

[timers]                 # milliseconds
t1_ms = 500
t2_ms = 4000
t4_ms = 5000
fr_ms = 30000            # a branch without a final (INVITE: provisional) reply by then is 408
fr_inv_ms = 120000       # an INVITE branch ringing this long is cancelled and counts as 408
wt_ms = 5000             # how long a completed transaction absorbs retransmissions (wt_timer)
drain_ms = 5000          # graceful stop: how long pending transactions may run on

[nat]
fix_register = true      # store the real source of NAT'd registrations and route to it
keepalive_interval = 0   # seconds between OPTIONS keepalives to NAT'd contacts; 0 = off

[protection]
rate_limit = 0           # requests per source IP per rate_window; 0 = off
rate_window = 2          # seconds
ban_failures = 10        # auth failures within ban_window that ban a source; 0 = never
ban_window = 60          # seconds
ban_time = 300           # seconds
exempt = ["10.0.0.0/8"]  # [[]] addresses or CIDR prefixes never limited or banned

[limits]
max_message_size = 65535 # bytes; a larger request gets 513 (1024 to 65535); on TCP, a stream
                         # announcing more is answered 513 and closed
overload_backlog_ms = 200 # ms requests may wait in a UDP socket (or it may stay behind its
                         # input while the kernel drops datagrams for want of room) before a
                         # shrinking share of new requests outside
                         # dialogs gets a stateless 503 (in-dialog ones, ACK, CANCEL, replies
                         # and requests with credentials pass); 0 = off
overload_retry_after = 5 # seconds, the Retry-After of those 503s

[tcp]                    # excess connections are closed at once, counted in net.tcp_*
max_connections = 2048   # open connections in all (Kamailio tcp_max_connections)
max_connections_per_ip = 512  # inbound from one address: room for an office of phones behind
                         # one NAT, while one address cannot fill max_connections; 0 = no limit
                         # (raise it for load tests with -t tn from one address)
idle_timeout = 120       # seconds without traffic before a connection is closed (Kamailio
                         # tcp_connection_lifetime); one with a live registration stays open
message_timeout = 20     # seconds for a whole message from its first byte, and for a new
                         # connection's first byte (slowloris; Kamailio tcp_msg_read_timeout)

[tls]                    # SIP over TLS on listen = ["tls:0.0.0.0:5061"]; [tcp] limits apply too
certificate = ""         # PEM certificate (chain), e.g. "/etc/sipkit/tls/cert.pem"; required
                         # with a tls: or wss: listener; relative paths are relative to this file
private_key = ""         # its PEM key; check\-config refuses a key that does not match
ca_list = ""             # PEM CAs for verify_client and verify_server
verify_client = false    # ask clients for a certificate; refuse those ca_list does not verify
verify_server = false    # verify servers sipd connects to against ca_list (Kamailio: no)
min_version = "TLSv1.2"  # or "TLSv1.3"
domain = []              # per-domain certificates, chosen by the name the client asks (SNI):
                         # [[tls.domain]] tables of server_name = "sip.example.org" (or
                         # "*.example.org"), certificate = "...pem", private_key = "...key"

[websocket]              # SIP over WebSocket (RFC 7118) on listen = ["wss:0.0.0.0:8443"] or
                         # "ws:..."; wss: uses the [tls] certificates; [tcp] limits apply too
path = "/"               # HTTP path of the upgrade; another path gets 404, a plain HTTP
                         # request 426 Upgrade Required; the sip subprotocol is required (400)
allowed_origins = []     # Origins allowed to connect, e.g. ["https://phone.example.com"];
                         # others get 403; [] = every origin
ping_interval = 30       # seconds between WebSocket pings; a peer that misses a pong is
                         # disconnected; 0 = no pings

[proxy]
mode = "proxy"           # or "redirect" (302 with the registered contacts)
record_route = true

[rtpengine]              # NAT media relay (see MEDIA RELAY); none without sockets
sockets = ["udp:127.0.0.1:2223"]  # ng control sockets, "udp:IP:PORT[=WEIGHT]"; [[]]
mode = "nat"             # "nat" (a side behind NAT), "always" or "off"
timeout_ms = 1000        # wait for a reply before sending again (rtpengine_tout_ms)
retries = 2              # sends after the first before the instance counts as down
disable_time = 60        # seconds between pings to an instance that is down
on_failure = "503"       # rtpengine down or refusing: "503", or "relay" without media relay
max_call_time = 43200    # seconds; a relayed call older than this is deleted; 0 = never
check_time = 60          # seconds between checks (ng query) that rtpengine still has a call

[[acl]]                  # calls to numbers with this prefix need the caller in this group
prefix = "00"
group = "intl"

[logging]
level = "info"           # fatal, error, warn, info, debug, trace, silent
file = ""                # log file of "sipd start"; [""] = RUN_DIR/sipd.log
format = "auto"          # auto, json, pretty (stderr only)

[mgmt]
socket = ""              # [""] = RUN_DIR/sipd.sock
mode = 0o660             # or "0660"; access for others is refused
group = ""               # group owning the socket, e.g. "sipkit"
.fi
.PP
An invalid file (or option value) makes every command that reads it exit with status 2,
listing each problem as
.IR key : " message" ,
for example
.B registrar.min_expires: expected a number, got \(dq60s\(dq
or
.BR "\-\-listen[1]: unsupported protocol 'sctp'" .`;

const sipBehaviour = String.raw`For every request, in order (the classic OpenSER "MySQL and Authentication" script):
.IP 1. 4
Sanity (RFC 3261 \(sc16.3): malformed requests get 400 with the reason (505 for another SIP
version, 513 above
.B limits.max_message_size
or 256 header fields);
malformed responses are dropped. Max-Forwards 0: 483; an unknown Proxy-Require: 420; a non-SIP
Request-URI: 416. OPTIONS to sipd itself (no user part; a served domain whatever the port, or one
of sipd's addresses with one of its ports) gets 200 from anyone, without a challenge: phones use it
as a keepalive.
.IP 2. 4
In-dialog requests (To tag) follow the Route set only when it names sipd with sipd's signature for
their dialog (see
.BR RELAYING );
a Route naming sipd without it gets 403, a request naming sipd nowhere 404. ACK for a 2xx is relayed
statelessly, or dropped under the same conditions.
.IP 3. 4
REGISTER: digest (401); the authenticated user must own the To address-of-record (403);
.B Contact: *
with Expires 0; min/default/max expires (423 with Min-Expires, or clamped); Call-ID/CSeq ordering
(the same Call-ID with a CSeq not higher than the binding's: 400 Out-of-order CSeq; a To of
another scheme than sip/sips is challenged like any REGISTER, then refused with 403);
q values;
.B max_contacts
(503 beyond it). The 200 lists every binding with its remaining expires. Bindings are written to
the location table and survive a restart: with
.B usrloc.db_mode
= 1 (the default) the 200 is sent only after the change is committed (changes arriving within
10 ms share one transaction, a group commit), so a binding or removal that was
acknowledged survives a crash. When the database cannot take the write the answer is 500 with
Retry-After: 5 and the memory copy is left as it was; the outage is logged once, its end too, and
sipd recovers by itself. With
.B usrloc.db_mode
= 0 the location is kept in memory only (Kamailio db_mode 0): nothing is written, a restart
forgets every binding, and
.B sipd check-config
says so. Management changes (ul.add, ul.rm, ul.rm_contact) are also answered after the commit.
.IP 4. 4
Requests from local users whose method is in
.B auth.methods
are challenged (407); From must be the authenticated user (403). An unknown user and a wrong
password get the same new challenge; an expired nonce gets stale=true.
.PP
Digest answers (401 and 407 alike) are bound to their request. The response is computed over the
method and the digest
.B uri
parameter, and that
.B uri
must denote the Request-URI as sipd received it (before any strict-route fix-up): either the same
URI by RFC 3261 \(sc19.1.4 (scheme, user and password, host case-insensitively, port as written;
the user, ttl, method, maddr and transport parameters must agree, other parameters only where
both have them; the same headers), or a SIP URI without user part that
names sipd itself: one of its addresses (every host address for a wildcard listener, or an
advertised name) with a port it listens on, or a served domain without port. The latter is what
SIPp sends (\fBsip:\fIhost\fB:\fIport\fR of the server, for REGISTER and INVITE alike). Any
other
.B uri
gets a new challenge and counts as a failure. When qop="auth" was offered, an answer without qop
(RFC 2069 form, no nonce count) is refused likewise, unless
.B auth.allow_no_qop
is set; then, as with
.BR "auth.qop = \(dq\(dq" ,
each nonce answered without qop serves one request only (a second use gets stale=true). With qop,
the nonce count must grow with each use of a nonce (a repeated count gets stale=true). Nonces carry
their creation time and an HMAC keyed with
.BR auth.secret ,
so every node sharing the secret accepts them.
.IP 5. 4
Requests for other domains, requests with a pre-loaded Route to a hop other than sipd, and
Request-URIs whose maddr names another host are relayed only for authenticated local users (403
otherwise).
.IP 6. 4
Requests for local users: alias (dbaliases), ACL rules, unconditional forwarding, location lookup
(404 unknown user, 480 not registered), then parallel forking to every contact (highest q first)
with Record-Route (lr; two entries when the transport changes), 100 Trying, best-response
selection and CANCEL of the other branches; or, with
.BR "proxy.mode = \(dqredirect\(dq" ,
302 with the contacts.
.PP
Call forwarding comes from usr_preferences attributes of the called user:
.B cfu
(always),
.B cfb
(busy: 486, 600),
.B cfna
(no answer: 408, 480, or not registered). The value is a SIP URI, user@domain or a user of the same
domain.
.PP
ACL rules (\fB[[acl]]\fR prefix, group): a call to a Request-URI user starting with the prefix
needs the authenticated caller in the group (grp table), else 403.
.PP
NAT: responses go where the request came from (RFC 3261 \(sc18.2.2, RFC 3581), whatever transport
its Via names: over the TCP connection it arrived on while that is open (only once it has closed,
over a new connection to its source address and Via port), or from the UDP socket it arrived on
(to its source address and its rport, or the Via port; when the Via names another transport
such as TCP or TLS, to its source port). sipd never opens a connection to answer a UDP request.
A REGISTER with a private Contact
address, or whose top Via is not its source address and port (Kamailio's nat_uac_test 19), is
stored with its source as received, and requests for it go there (TCP: over its connection).
.B nat.keepalive_interval
sends OPTIONS to such contacts and removes one that leaves three unanswered.
.PP
After writing subscribers, aliases, groups or AVPs to the database, call
.B cache.reload
(or
.BR domain.reload );
a subscriber missing from memory is also read from the database, at most once per 5 seconds per
name.
.PP
Transactions (RFC 3261 \(sc17): a completed transaction stays for
.B timers.wt_ms
(5 s, Kamailio's and OpenSIPS's tm wt_timer) to answer retransmissions of its request from the
final response it sent, and to absorb retransmitted responses; RFC 3261 and RFC 6026 keep it 64\(muT1
(32 s) on UDP (Timers D, J, L, M). A retransmission arriving later than
.B timers.wt_ms
needs every answer to it lost for that long; it is then handled as a new request (a relayed one
reaches the next hop again, which answers it from its own transaction). The shorter wait keeps far
fewer transactions in memory: at 1,350 calls/s it cut sipd's CPU per call by ~7\%, its peak
memory by ~12\% and what stays after the load by ~30\%. Set
.B timers.wt_ms
to 32000 (64\(muT1) or more for the RFC's timers. Over TCP, TLS and WebSocket only an INVITE
transaction that relayed or sent a 2xx waits (RFC 6026's Timers L and M); the others end at once.`;

const routing = String.raw`What sipd does with a request is a
.IR route :
a JavaScript module whose default export has a
.B request
handler (Kamailio's request_route) and optionally
.B onReply
(onreply_route),
.B onFailure
(failure_route) and
.B onBranch
(branch_route). The behaviour described under SIP BEHAVIOUR is the
.IR "default route" ,
a module written only against the routing API and shipped as the starting point to copy
(dist/src/daemon/routing/default-route.js). A route of one's own is named in sipd.conf:
.PP
.nf
route = "/etc/sipkit/route.js"
.fi
.PP
The API is the package export
.BR sipkit/routing .
The handler receives a request context: the message (method, Request-URI, From/To with tags,
Contact, headers, body and SDP, read lazily), the source (address, port, transport, natted), the
authenticated user and AVPs, and the operations:
.BR auth() ,
.BR registrar.save() ,
.BR location.lookup() ,
.BR alias.resolve() ,
.BR groups.has() ,
.BR avps.load() ,
.BR recordRoute() ,
.BR looseRoute() ,
.B relay()
(stateful, one branch per target, each with its own Request-URI and next hop),
.B forward()
(stateless),
.BR reply() ,
.BR redirect() ,
header and Request-URI rewrites,
.B setTimer()
(fr_timer, fr_inv_timer), and the hooks
.BR onReply() ,
.B onFailure()
(relay again: serial forking, forwarding on busy or no answer) and
.BR onBranch() .
.PP
Whatever the route says, sipd drops banned and flooding sources, handles ACK and CANCEL, answers
\(sc16.3 violations, sends 100 Trying to an INVITE, relays in-dialog requests only along a route
set it signed, and answers 500 for a route that throws or ends without answering or relaying (the
error is logged with its stack; sipd keeps running).
.PP
Routes are tested without a running sipd with
.BR sipkit/routing/testing :
a harness that runs a route on requests built in the test (or raw SIP text) over in-memory
subscribers, aliases, groups, preferences and registered contacts, with sipd's own digest
authentication and registrar, and returns what the route did: the responses sent upstream, the
relays and their branches (which the test answers, running the hooks), the stateless forwards.
Example routes with their tests (Hello World, MySQL and authentication, call forwarding, PSTN
gateway by prefix) are in examples/routes of the source tree. How a route file is loaded,
checked
.RB ( "sipd check-config" )
and reloaded
.RB ( "sipctl reload" ,
SIGHUP) is described under ROUTE FILES.`;

const mediaRelay = String.raw`Phones behind NAT write private addresses in their SDP; sipd has their media relayed by
rtpengine (Debian
.BR rtpengine-daemon ;
it forwards in user space without its kernel module), driven over its ng control protocol
(bencoded dictionaries over UDP, as Kamailio's rtpengine module does). With
.B rtpengine.sockets
set, the default route has each branch of an INVITE offered to rtpengine
.RB ( offer )
as it is sent when
.B rtpengine.mode
is "always", or "nat" and the caller is behind NAT or the callee registered from behind one;
the branches carry rtpengine's SDP. A forked INVITE's branches are offered with their own Via
branch (via-branch, as Kamailio's module does): each gets a media leg, a branch that fails
deletes only its own, and after a 2xx another branch's answer is not taken. A 1xx (a reliable
183 too) or 2xx with SDP is answered
.RB ( answer ;
the caller gets rtpengine's SDP), a re-INVITE or UPDATE in a relayed call is offered again,
and the session is deleted on BYE and when the INVITE ends with a final failure (busy, CANCEL,
timeouts). Flags: toward a WS or WSS client (a browser) transport-protocol=UDP/TLS/RTP/SAVPF,
ICE=force, rtcp-mux-offer (in an answer rtcp-mux-require and DTLS=passive), SDES-off; from a
browser toward a phone RTP/AVP, ICE=remove, rtcp-mux-demux; between phones ICE=remove; for a
side behind NAT replace origin and session-connection and SIP-source-address with
received-from (its SIP source instead of the private SDP address). A call whose BYE never
comes: every
.B check_time
seconds sipd asks rtpengine about it (query) and forgets it once rtpengine timed it out; one
older than
.B max_call_time
is deleted (both counted in rtpengine.expired).
A route of one's own does the same with
.B ctx.rtpengine.offer()
and
.BR ctx.rtpengine.delete() .
.PP
Several instances share new calls by weight ("udp:10.0.0.5:2223=2"; weight 0 is a spare, used
only when no weighted instance answers); a call stays on the
instance that took its offer. An instance that does not answer after
.B retries
is left out of new calls (logged) and pinged every
.B disable_time
seconds until it answers. When no instance takes an offer, or rtpengine answers an error, sipd
answers the INVITE 503 (its other branches cancelled), or with
.B on_failure = \(dqrelay\(dq
is relayed without media relay; both are logged with the reason. A malformed datagram on the
control socket is dropped and counted in rtpengine.errors.
.PP
Management:
.B rtpengine.show
(instances with weight, enabled, up, calls),
.B rtpengine.ping
.RI [ socket ],
.B rtpengine.enable
and
.B rtpengine.disable
.RI [ socket ]
(new calls only); sipctl has the same as
.BR "sipctl rtpengine show|ping|enable|disable" .
A test rtpengine in user space:
.PP
.nf
rtpengine --table=-1 --interface=127.0.0.1 --listen-ng=127.0.0.1:2223 \e
  --foreground --log-stderr --pidfile=./rtpengine.pid
.fi`;

const managementSocket = String.raw`JSON-RPC 2.0 over the Unix stream socket
.I RUN_DIR/sipd.sock
(mode 0660). Framing: each request and each response is one JSON text on one line, ended by a
newline; a line may hold a batch (array). Requests without
.B id
are notifications and get no reply. Parameters may be positional (an array) or named (an object).
Errors use the JSON-RPC codes \-32700 (parse error), \-32600 (invalid request), \-32601 (method
not found), \-32602 (invalid params), \-32603 (internal error), and \-32000 (failed), \-32004 (not
found), \-32009 (conflict), \-32010 (unavailable); every error has
.B data.reason
with the details.
.PP
.nf
$ echo '{"jsonrpc":"2.0","method":"core.uptime","id":1}' | socat - UNIX-CONNECT:/run/sipkit/sipd.sock
{"jsonrpc":"2.0","result":{"now":"Mon Mar  4 10:00:05 2024","up_since":"Mon Mar  4 10:00:00 2024",
 "uptime":5,"now_ms":1709546405000,"started_ms":1709546400000,"uptime_ms":5000},"id":1}
.fi
.PP
Methods:
.BR core.version ,
.B core.uptime
(Kamailio's now, up_since, uptime plus millisecond fields),
.B core.ps
(rows {IDX, PID, DSC}),
.B core.memory
.RI [ gc ]
(rows {IDX, PID, rss, heap_total, heap_used, external, array_buffers, gc} in bytes, one per
process; with gc true a full garbage collection runs first when sipd runs under
.BR "node --expose-gc" ),
.BR core.info ,
.BR core.sockets_list ,
.B core.log_level
.RI [ level ],
.BR core.shutdown ,
.BR system.listMethods ,
.B system.methodHelp
.IR method ,
.B stats.fetch
.RI [ names ...]
and
.B stats.reset
.RI [ names ...]
(names: none or
.B all
for everything,
.B group:
for a group,
.B group.name
for one statistic; results are {"group.name": number}).
The SIP module adds
.B ul.dump
.RB [ brief ],
.B ul.lookup
.IR aor ,
.B ul.add
.I aor contact
.RI [ expires " [" q ]]
(expires 0 = permanent),
.B ul.rm
.IR aor ,
.B ul.rm_contact
.I aor contact,
.BR ul.online ,
.BR cache.reload ,
.BR domain.reload ,
.BR domain.dump ,
.B route.reload
(load the route file again; see ROUTE FILES),
.B security.bans
and
.B security.unban
.IR address .`;

const relaying = String.raw`sipd relays for a sender it has not authenticated only within a dialog
that it record-routed itself, and it forwards responses only through a transaction.
.TP
.B Signed Record-Route
The Record-Route URI that sipd inserts carries a parameter \fBsig=\fImark\fR: an HMAC-SHA-256
(96 bits, base64url) keyed with
.B auth.secret
over the Call-ID and the From tag of the initial request, the dialog identifiers that stay the same
for the dialog's life. The user agents keep the URI in their route set and send it back as a Route
value in every request of the dialog (RFC 3261 \(sc12.2.1.1). The caller's requests carry the
initial From tag as their From tag, the callee's as their To tag: sipd accepts the mark for either,
so the dialog works in both directions. Nothing is stored; any node with the same key checks the
mark.
.TP
.B In-dialog requests
(To tag) are relayed only when the top Route value names sipd and carries a valid mark for the
request's Call-ID and tags; every value that sipd removes must carry one. A Route naming sipd
without a valid mark (missing, altered, or made for another dialog) gets 403; a request that names
sipd nowhere gets 404 (\(sc12.2.2); an ACK is dropped silently in either case. A request from a
strict router (\(sc16.4: sipd's Record-Route URI as the Request-URI) follows the same rule, the mark
being in the Request-URI. A Request-URI whose maddr names another host gets 403. CANCEL is matched
to its INVITE transaction as before.
.TP
.B Double Record-Route
When a request changes transport or address family in sipd (a TCP phone calls a UDP phone, a UDP
phone a TLS one, a UDP phone a browser on WSS), sipd inserts two Record-Route values, one for
each side (transport=tcp, tls, ws or wss on a stream side), both with the same mark. An in-dialog request
from either side passes both (sipd removes two Route values) and each must verify.
.TP
.B sips: requests
A request for a sips: URI (RFC 3261 \(sc26.2.2) leaves sipd over TLS or WSS only: when its target
(a contact registered over UDP, TCP or WS, a non-TLS next hop) cannot be reached securely, sipd
answers 480 instead of forwarding it over an insecure hop (RFC 5630).
.TP
.B WebSocket clients
A browser phone (JsSIP, SIP.js) connects to a ws: or wss: listener with the sip subprotocol
(RFC 7118) and writes a made-up host ending in .invalid in its Via and Contact. sipd records the
connection as the contact's received address whatever nat.fix_register says, keeps the
connection open while the registration lives, and reaches the browser over it, for new calls and
in-dialog requests alike; once the browser's connection is gone it is unreachable until it
registers again.
.TP
.B Initial requests
(no To tag): Route values naming sipd are removed (a phone with sipd as outbound proxy); a Route
value left is a hop the sender chose, and the request gets 403 "Preload Route denied" unless the
sender authenticated as a local user. So does a Request-URI whose maddr names another host.
Requests for other domains need an authenticated local user anyway.
.TP
.B Responses
are forwarded only through the client transaction they belong to; 2xx retransmissions still pass,
an INVITE transaction waiting 64*T1 in the Accepted state of RFC 6026. A response that matches no
transaction is dropped (core.drop_replies) whatever its Via says: sipd reflects nothing to the
address in a second Via.
.TP
.B What an attacker gets
403 (or 404) and no relayed request; nothing at all for an ACK or a stray response. Refusals count
in security.relay_denied.
.TP
.B The key
With
.B auth.secret
set, every node of a cluster must have the same one, so that an in-dialog request reaching another
node than the one that record-routed the dialog (load balancer, failover) is accepted. With
.B auth.secret = \(dq\(dq
a single sipd generates a key at its first start and keeps it in DATA_DIR/route-mark.key (mode
0600): calls in progress survive a restart. A cluster needs a configured secret. A new key makes
sipd refuse (403) the in-dialog requests of dialogs set up before it.
.TP
.B A stranger's own dialog
The mark also carries the dialog's scope, signed with it: \fBopen\fR when the caller authenticated
as a local user (or sipd itself sent the call to a foreign target, as call forwarding does),
\fBlocal\fR when a stranger called a registered user. Either party holds the mark and can swap the
tags, so in a \fBlocal\fR dialog sipd relays a request only when it comes from where one of its
users registered (its address and port, or its TCP connection) or goes to a registered contact
(the next hop: Route or Request-URI): the stranger talks to the user he called and the user answers
him, but the dialog's route takes him nowhere else (403 "not a party of this dialog").
.TP
.B Limits
A party of an \fBopen\fR dialog (someone a local user called) can still address requests of that
dialog to any target, which answers them 481 unless it knows the dialog. With
.B proxy.record_route = false
sipd relays no in-dialog request.`;

const statistics = String.raw`core.rcv_requests, core.rcv_requests_\fImethod\fR, core.rcv_replies, core.rcv_replies_\fIN\fRxx,
core.fwd_requests, core.fwd_replies, core.drop_requests, core.drop_replies, core.err_requests,
core.err_replies, core.parse_errors, core.overload_rejected (503s of limits.overload_backlog_ms),
core.loop_stalls (event-loop delays longer than limits.overload_backlog_ms, or 100 ms when that is
0), core.loop_lag_ms (the worst event-loop delay of the last second), tm.uas_transactions, tm.uac_transactions, tm.current,
tm.timeouts, usrloc.registered_users, usrloc.registered_contacts, registrar.accepted_regs,
registrar.rejected_regs, auth.challenges, auth.successes, auth.failures, security.bans,
security.banned, security.rate_limited, security.relay_denied, net.messages_in, net.messages_out, net.bytes_in,
net.bytes_out, net.parse_errors, net.keepalives, net.send_errors, net.tcp_connections (TCP and
TLS connections open now), net.tls_handshake_failures (garbage or plain text on a TLS port, a
version below tls.min_version, a client certificate that does not verify), net.ws_connections
(WebSocket connections open now, counted in net.tcp_connections too), net.ws_upgrade_failures
(connections to a ws: or wss: listener closed before the upgrade: plain HTTP answered 426 or 404,
a foreign Origin 403, no sip subprotocol 400, garbage, a failed TLS handshake).
With rtpengine configured: rtpengine.offers, rtpengine.answers, rtpengine.deletes,
rtpengine.errors (timeouts, error replies, malformed datagrams), rtpengine.sessions (calls relayed
now) and rtpengine.instances_up.
TCP connections refused or closed by sipd, by reason:
net.tcp_refused_max (tcp.max_connections open), net.tcp_refused_per_ip
(tcp.max_connections_per_ip open from that address), net.tcp_closed_idle (tcp.idle_timeout),
net.tcp_closed_slow (tcp.message_timeout), net.tcp_closed_bad (an unparseable message: answered
400 when it was a request, then closed; on WebSocket, a frame that is not SIP at all, closed
with 1003), net.tcp_cutoffs (above limits.max_message_size or an endless header section; on
WebSocket, a larger frame, closed with 1009). A WebSocket peer that misses a pong, or is idle for
tcp.idle_timeout without a registration, counts in net.tcp_closed_idle; on shutdown WebSocket
connections are closed with 1000.`;

const workers = String.raw`With
.B workers
= N (or
.BR \-\-workers " N)"
above 1, sipd runs N worker processes (node:cluster) on the same listeners, and a primary process
that holds the pid file and the management socket and serves no SIP itself. Default 1: one process.
.PP
Each request belongs to the worker chosen by a hash of its Call\-ID: whichever worker reads a
datagram from the shared socket hands it to its owner (over a loopback socket, with its source
address), so retransmissions, the ACK of a non\-2xx, CANCEL and in\-dialog requests meet the
transaction or call they belong to. Responses belong to the worker that sent the request: its
Via branch carries the worker's number (z9hG4bKw\fIN\fRx...), while the Via address stays the
shared public one. A TCP or TLS connection stays in the worker that accepted it; a request for a
phone registered over it is written on it by that worker. A message handed over waits in its
owner's loopback socket, and limits.overload_backlog_ms watches that socket as it watches the
listeners: a worker behind on what the others hand it answers new requests 503 as it would when
behind its listeners.
.PP
The primary binds each UDP listener once; by default (worker_steering = "off") every worker reads
that one socket (through the batched UDP addon where it is built, else node:cluster's shared
handle), so whichever worker is free reads the next datagrams, and another server cannot bind the
port while sipd runs. About half the datagrams then reach a worker that does not own them and
are handed over.
.PP
With
.B worker_steering
= "call\-id" the primary binds instead one socket per worker on each UDP listener
(SO_REUSEPORT) and attaches to them a small eBPF program that gives each datagram to the socket
of the worker owning its Call\-ID: a request, its retransmissions, CANCEL and ACK, and the
responses to what a worker relayed arrive in the worker that holds their transaction, and
nothing is handed over. Loading the program needs CAP_BPF (or root); where the kernel refuses it
sipd logs why and shares the socket as with "off". The primary first binds each address alone,
so the port stays exclusive. core.info's udp_steering says which way is in use ("call\-id" or
"shared"). Measured with two workers on two cores that the load generators also used
(npm run bench \-\- sipd\-kamailio \-\-servers=sipd\-steered,sipd \-\-workers=2), steering cut the
kernel time per call by a fifth and the CPU per call by 6 to 10%, but a worker then drains only
its own socket, and while it is off its core nobody takes its datagrams: INVITE\-to\-200 p99 at
half the highest rate rose from 16\-20 ms to 164\-224 ms, and the highest clean rates were about
5% lower. Use it where every worker has a core of its own. While a worker restarts, the
datagrams steered to it wait in its socket (about a second).
.PP
Two workers cost more CPU per call than one process at a rate one core holds: with two workers
on two cores a call through the proxy cost 1.3 to 1.65 times the CPU of one process in two
measurements (1,350 calls/s, npm run bench), partly the hand\-over, mostly each worker reading
half as many datagrams per wake\-up. More workers pay where one core is not enough; at rates one
core holds, workers = 1 uses less CPU.
.PP
Every worker holds the whole location. A change (REGISTER, ul.add, ul.rm, expiry) is written to
the database and applied by every other worker before it is acknowledged, so a request sent after
a 200 OK finds the binding in any worker. Provisioning caches, the route and the log level are
reloaded in every worker (cache.reload, domain.reload, route.reload, SIGHUP). Ban lists and rate
limits of [protection] are per worker: a source is banned by the worker that counted its failures
(its Call\-IDs spread over the workers, so up to N times ban_failures may be tried before every
worker has banned it).
.PP
The management socket answers for all workers: stats.fetch sums them (the location gauges are
the same in every worker and reported once), core.ps lists the primary and each worker, ul.*
calls go to one worker, other calls to every worker. A worker that exits unexpectedly is logged
and started again (after 0.25 s, doubling while it keeps failing, at most 30 s); it loads the
registrations from the database (with usrloc.db_mode = 0 it copies them from a running worker).
Stop and restart drain every worker (timers.drain_ms), then the primary exits.
.PP
With auth.secret = "" each worker has its own nonce key: a phone that reuses a nonce in a new call
may be challenged once more. The statistics cluster.handed_over, cluster.taken_over and
cluster.hand_over_failures count the hand\-overs between workers; cluster.workers and
cluster.restarts the workers serving and restarted.`;

const signals = String.raw`.TP
.BR SIGTERM ", " SIGINT
Graceful stop. A second signal exits at once. With workers, the primary stops every worker and
exits once they have drained.
.TP
.B SIGHUP
Reopen the log file (after logrotate renamed it), read the [tls] certificate files again (new
TLS and WSS handshakes use the new certificates, established connections keep theirs; a missing file or a
key that does not match leaves the old certificates in use, logged as an error), and load the
route file again, as
.B sipctl reload
does (see ROUTE FILES).`;

const routeFiles = String.raw`sipd runs a route for every request it must decide on: the built-in default route, or the
module named by
.B route
in the configuration file (relative to the file). Its default export is a route object,
.BR "{ request(ctx) { ... } }" ,
with optional
.BR onReply ,
.B onFailure
and
.B onBranch
functions (the routing API,
.BR sipkit/routing ).
.PP
.B .js ", " .mjs ", " .cjs
files are imported as they are (an ES module in a
.B .js
file needs \fB"type": "module"\fR in a package.json beside it, or the name
.BR .mjs ).
.B .ts
and
.B .mts
files are compiled with the
.B typescript
package, resolved from the route's directory first, then from sipkit's own: install it next to the
route (\fBnpm i typescript\fR) or compile the route to
.B .mjs
yourself. The one file is transpiled (types are not checked at load) to a temporary module;
its relative imports and
.B sipkit/routing
are resolved from the route's directory and from the running sipd.
.PP
.B sipd check-config
loads the route as sipd would (and type-checks a TypeScript route against the routing API when
typescript is available); every problem is listed under the key
.B route
as \fIFILE\fB:\fILINE\fB:\fICOLUMN\fB: \fImessage\fR, with exit status 2. A route that fails to
load stops
.B sipd start
the same way.
.PP
.B sipctl reload
(the
.B route.reload
method) and SIGHUP load the file again (the path sipd started with; a new
.B route
path needs a restart) and swap the route in one step: requests that arrive afterwards use the
new route, transactions in flight finish with the route they started with (its hooks included).
A route that fails to load is logged, the one in force stays, and
.B sipctl reload
exits 1 with the file and line. Each load imports a fresh copy of the route file; modules it
imports are loaded once per sipd process.
.PP
A route that throws gets the request a 500 and a log line with the stack; one that neither
answers nor relays within
.B route_timeout_ms
gets a 500 too; sipd serves the next request either way.`;

const examples = String.raw`.nf
sipd start
sipd status \-\-json
sipd start \-\-run\-dir /tmp/sipd \-\-data\-dir /tmp/sipd \-\-listen udp:127.0.0.1:5070 \-\-domain example.com
sipd stop \-\-timeout 60
.fi`;

export function sipdProse(): BinProse {
  return {
    section: 8,
    name: 'SIP registrar and stateful proxy daemon',
    description: [
      '`sipd` is the SIP server of sipkit: an RFC 3261 registrar with digest authentication, a location service and a stateful proxy, operated as a daemon with a pid file and a JSON-RPC management socket that `sipctl` uses. With no configuration file it serves UDP and TCP on port 5060 on every address, keeps its data in an SQLite file in the data directory and opens its management socket in the run directory.',
      'The default paths differ for root (system paths) and other users (paths under their home directory); `--data-dir`, `--run-dir` and `--db-url` have the same names and meaning in sipctl, so that `sipctl` with no flags talks to a `sipd` started with no flags by the same user.',
      'Every command accepts `--json` and then prints one JSON document, `{"status": 0, "result": ...}` or `{"status": N, "error": {"code", "message", "actions"}}`; the exit status is the same with and without `--json`. `SIPD_CONTENT_TYPE=json` in the environment has the same effect as `--json`.',
    ],
    optionsIntro: [
      'These override the configuration file. A listen address is an IP address (IPv6 in brackets) with a port that defaults to 5060; `;advertise=HOST[:PORT]` puts that sent-by in Via instead of the bound address (behind NAT, or a DNS name), as in `udp:10.0.0.5:5060;advertise=sip.example.com`.',
    ],
    sections: [
      { title: 'Configuration file', blocks: [{ roff: configurationFile }] },
      { title: 'SIP behaviour', blocks: [{ roff: sipBehaviour }] },
      { title: 'Relaying', blocks: [{ roff: relaying }] },
      { title: 'Routing', blocks: [{ roff: routing }] },
      { title: 'Route files', blocks: [{ roff: routeFiles }] },
      { title: 'Media relay', blocks: [{ roff: mediaRelay }] },
      { title: 'Management socket', blocks: [{ roff: managementSocket }] },
      { title: 'Statistics', blocks: [{ roff: statistics }] },
      { title: 'Workers', blocks: [{ roff: workers }] },
      { title: 'Signals', blocks: [{ roff: signals }] },
    ],
    files: [
      [
        pathDefault('configFile', 'XDG_CONFIG_HOME'),
        'configuration file (TOML); a missing default file means defaults',
      ],
      [
        'RUN_DIR/sipd.pid',
        `pid of the running sipd, removed when it exits; RUN_DIR is ${pathDefault('runDir', 'XDG_RUNTIME_DIR')}`,
      ],
      ['RUN_DIR/sipd.sock', 'management socket (JSON-RPC 2.0 over a Unix stream socket, mode 0660)'],
      ['RUN_DIR/sipd.log', 'log of `sipd start` (JSON lines; passwords are never logged)'],
      ['DATA_DIR/sipkit.db', `default SQLite database; DATA_DIR is ${pathDefault('dataDir', 'XDG_DATA_HOME')}`],
      ['DATA_DIR/route-mark.key', 'key of the Record-Route signatures when `auth.secret` is empty (mode 0600)'],
    ],
    environment: [
      ['SIPD_CONTENT_TYPE', 'When `json`, every command behaves as if `--json` was given.'],
      ...colourEnvironment,
      ...pathEnvironment,
    ],
    exitCodes: 'sipkit',
    exitNote:
      '`sipd status` exits 0 when sipd runs and 6 when it does not; `sipd start` exits 6 while a sipd with the same run directory runs.',
    examples: [{ roff: examples }],
    seeAlso: ['sipctl(8)', 'siptest(1)', 'kamailio(8)'],
  };
}
