/** Hand-written parts of siptest(1). The command list and flags are generated; exit codes are SIPp's. */
import type { BinProse } from '../man-page.js';
import { colourEnvironment, outputBlocks } from './common.js';

export function siptestProse(): BinProse {
  return {
    section: 1,
    name: 'SIPp-compatible SIP scenario runner and load generator',
    description: [
      "`siptest` runs SIP call scenarios against a SIP server, in the manner of `sipp`: built-in client and server scenarios and scenario files in SIPp's XML language, at a given call rate, with statistics.",
      'Transports are chosen with `-t` as in SIPp: `u1`/`un` UDP (one socket, one per call), `t1`/`tn` TCP, `l1`/`ln` TLS. TLS uses `-tls_cert` and `-tls_key` (PEM; default `cacert.pem` and `cakey.pem` in the working directory) as the certificate of the listening socket and as the client certificate of the connections siptest opens; `-tls_ca` verifies the peer against those CAs (without it nothing is verified, as in SIPp); `-tls_version 1.2` or `1.3` pins the protocol version.',
      'Beyond SIPp, `-t w1`/`wn` run over WebSocket (RFC 7118: the `sip` subprotocol, one SIP message per frame; one connection, one per call), the listening side accepting upgrades and answering on the connection a request came in on. `-wss` makes it secure WebSocket with the TLS options above; `-ws_path /sip` sets the HTTP path of the upgrade (default `/`). The `[transport]` keyword is then `WS` or `WSS`.',
      "Sockets are bound as SIPp binds them: the main socket (a server's listening socket) on the `-i` address when one is given, else on every address (on the local IP with `-bind_local`); a TCP client's connection leaves from the `-i` address, from `-p`'s port with `-t t1` and from an ephemeral port with `-t tn`.",
      'RTP media is SIPp 3.6.1\'s. A run whose scenario plays media, or with `-rtp_echo`, binds audio on the media port (`-mp`, default 6000 then the next free even port; `-min_rtp_port`/`-max_rtp_port` as in SIPp 3.7) and video on port + 2, leaving port + 1 for RTCP; `[media_port]` names the port bound. The peer\'s address comes from the c= and m= lines of the SDP it sends. `<exec play_pcap_audio|play_pcap_video|play_pcap_image="file.pcap">` sends the UDP payloads of a libpcap capture (Ethernet, Linux cooked or raw IP) as captured, at their captured times, from the port the call\'s SDP named (the built-in `uac_pcap` plays siptest\'s own captures when the working directory has no `pcap/`); `<exec play_dtmf="digits[,ms]">` sends RFC 2833 events as SIPp builds them; `<exec rtp_stream="file,loops,payload">` streams a WAV (G.711, 8 kHz mono) or raw file, 20 ms per packet, with `rtp_stream="pause"`/`"resume"`; `-rtp_echo` echoes what arrives on both ports (`<rtp_echo value="0">` turns it off). Media files are read before any traffic: a missing or truncated file stops the run with its name. `--json` adds the RTP packets and bytes sent, received and echoed.',
      "Third-party call control runs as SIPp's twin mode: a scenario whose first command is `<sendCmd>` (controller A, e.g. `-sn 3pcc-C-A`) connects over TCP to the `-3pcc ip:port` address, one whose first command is `<recvCmd>` (controller B, `-sn 3pcc-C-B`) listens there, so controller A is started last. Commands travel as SIPp frames them (the text, then one ESC byte), are matched to calls by their `Call-ID:` and may carry anything a `<sendCmd>` composes (`[call_id]`, `[$var]`, ...); a `<recvCmd>`'s actions search the command's text, and `[last_*]` keywords keep referring to the last SIP message. Extended 3PCC names the instances in a `-slave_cfg` file of `name;host:port` lines: `-master m` or `-slave s1` says which one this is, and `dest=`/`src=` on `<sendCmd>`/`<recvCmd>` name the peer (the `From:` line of a command names its sender). The twin channels interoperate with `sipp`; when a twin ends, controller B and every extended instance abort their calls and stop (sipp 3.6.1 keeps waiting for calls it aborted), controller A stops starting calls.",
      'SIPp features siptest does not implement (SCTP, AKA authentication, `[tdmmap]`) are listed all at once, each with its option or its file and line, by `siptest scenario validate` and by a run, which then sends nothing and exits 1.',
      "On a terminal, keys act as in SIPp (and, sent as datagrams, on the control socket `-cp`): `+` `-` `*` `/` change the rate by 1 or 10 times `-rate_scale`, `p` pauses the traffic, `q` exits softly (twice: aborts the calls), `Q` exits at once, `s` writes the screens to the screen log when it is open. `1` to `9` choose the screen: `1` scenario, `2` statistics, `3` repartition (the first response-time measure and the call lengths), `4` variables (every message's actions, numbered as SIPp numbers them), `6` to `9` the repartitions of response-time measures 2 to 5; `5`, SIPp's TDM map, needs `-tdmmap`, which siptest refuses, so it does nothing. The scheduler resolution on the scenario screen is the time since the last screen report divided by the scheduling cycles run meanwhile, as SIPp computes it. At exit siptest prints the screen shown, then the statistics screen; `-trace_screen` (and SIGUSR2, which creates the file if needed) writes screens 1, 2, 3 and one repartition screen per further measure to `<scenario>_<pid>_screen.log`.",
      ...outputBlocks('siptest'),
    ],
    files: [],
    environment: [
      ['SIPTEST_CONTENT_TYPE', 'When `json`, every command behaves as if `--json` was given.'],
      ...colourEnvironment,
    ],
    exitCodes: 'sipp',
    exitNote: 'These are the exit codes of SIPp, so that scripts written for `sipp` keep working.',
    seeAlso: ['sipp(1)', 'sipd(8)', 'sipctl(8)'],
  };
}
