/*
 * Call-ID steering for the UDP listeners of a multi-process sipd (workers = N).
 *
 * Each worker reads its own socket of a SO_REUSEPORT group, and an eBPF program attached to the
 * group (SO_ATTACH_REUSEPORT_EBPF) picks the socket of each datagram: FNV-1a over the Call-ID
 * value, modulo the number of workers, the hash src/daemon/cluster/message-owner.ts uses for a
 * request's owner. A request then reaches the worker holding its transaction without a
 * hand-over over loopback between workers (issue 14; what that saves and costs is measured in
 * src/daemon/cluster/shared-udp.ts); a relayed call's responses carry the same Call-ID, so they
 * land in the worker that sent the request. Anything the program does not find (no Call-ID in
 * the first MAX_SCAN bytes, a keep-alive, a bare CRLF) returns an index out of range, and the
 * kernel falls back to its address hash; the worker's own ownership check still hands over what
 * it does not own, so the program is an optimisation, never a condition of correctness.
 *
 * The program is a table-driven scanner: a state per byte, the next state (and whether the byte
 * belongs to the Call-ID value, or ends the scan) read from an array map indexed by
 * state * 256 + byte. Branching per byte on the state made the verifier explore every state at
 * every offset (a million instructions, rejected at some scan limits and not at others); with the
 * table the verifier walks one path per offset (~50,000 instructions, ~40 ms here) whatever the
 * kernel version's pruning does.
 *
 * Header names are matched as message-owner.ts matches them: at a line start, "i" or "call-id" in
 * any case (RFC 3261 §7.3.1, §20.8 compact form), optional blanks, a colon; the value is hashed
 * from its first non-blank byte to the first blank or line end (a Call-ID holds none: §25.1
 * callid = word ["@" word]).
 */
#define _GNU_SOURCE
#include "callid_steer.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif

/* Bytes scanned at most: a Call-ID further down than a full Ethernet datagram is left to the
   workers' hand-over. */
#define MAX_SCAN 1472

enum { S_SKIP, S_LINE, S_C1, S_C2, S_C3, S_C4, S_C5, S_C6, S_NAME_END, S_LEAD, S_VALUE, N_STATES };
#define F_HASH 0x100 /* the byte is part of the Call-ID value */
#define F_DONE 0x200 /* the value ended: answer hash % workers */
#define F_NONE 0x400 /* the header section ended without a Call-ID: let the kernel choose */

#define FNV_OFFSET 0x811c9dc5u
#define FNV_PRIME 0x01000193u

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int blank(int c) { return c == ' ' || c == '\t'; }

/* The table entry for byte c in state s: next state | flags. */
static uint32_t transition(int s, int c) {
  static const char name[] = "call-id";
  switch (s) {
  case S_SKIP: /* the start line, or a header line that is not the Call-ID */
    return c == '\n' ? S_LINE : S_SKIP;
  case S_LINE:
    if (c == '\r' || c == '\n') return F_NONE; /* the blank line */
    if (lower(c) == 'i') return S_NAME_END;
    return lower(c) == 'c' ? S_C1 : S_SKIP;
  case S_NAME_END:
    if (blank(c)) return S_NAME_END;
    if (c == ':') return S_LEAD;
    return c == '\n' ? S_LINE : S_SKIP;
  case S_LEAD:
    if (blank(c)) return S_LEAD;
    if (c == '\r' || c == '\n') return F_NONE; /* an empty Call-ID: the workers decide */
    return S_VALUE | F_HASH;
  case S_VALUE:
    if (blank(c) || c == '\r' || c == '\n') return F_DONE;
    return S_VALUE | F_HASH;
  default: { /* S_C1..S_C6: the rest of "call-id" */
    int k = s - S_C1 + 1;
    if (lower(c) == name[k]) return k == 6 ? S_NAME_END : (uint32_t)(s + 1);
    return c == '\n' ? S_LINE : S_SKIP;
  }
  }
}

static long bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof *attr); }

static int make_table(void) {
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.map_type = BPF_MAP_TYPE_ARRAY;
  a.key_size = 4;
  a.value_size = 4;
  a.max_entries = N_STATES * 256;
  int fd = (int)bpf(BPF_MAP_CREATE, &a);
  if (fd < 0) return -errno;
  for (uint32_t s = 0; s < N_STATES; s++) {
    for (uint32_t c = 0; c < 256; c++) {
      uint32_t key = s * 256 + c, value = transition((int)s, (int)c);
      memset(&a, 0, sizeof a);
      a.map_fd = (uint32_t)fd;
      a.key = (uint64_t)(uintptr_t)&key;
      a.value = (uint64_t)(uintptr_t)&value;
      a.flags = BPF_ANY;
      if (bpf(BPF_MAP_UPDATE_ELEM, &a) < 0) {
        int e = errno;
        close(fd);
        return -e;
      }
    }
  }
  return fd;
}

typedef struct {
  struct bpf_insn insn[64];
  int n;
} prog_t;

static int emit(prog_t *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  struct bpf_insn *i = &p->insn[p->n];
  memset(i, 0, sizeof *i);
  i->code = code;
  i->dst_reg = dst;
  i->src_reg = src;
  i->off = off;
  i->imm = imm;
  return p->n++;
}
#define ALU64_K(o, d, k) emit(p, BPF_ALU64 | (o) | BPF_K, d, 0, 0, k)
#define ALU64_X(o, d, s) emit(p, BPF_ALU64 | (o) | BPF_X, d, s, 0, 0)
#define ALU32_K(o, d, k) emit(p, BPF_ALU | (o) | BPF_K, d, 0, 0, k)
#define ALU32_X(o, d, s) emit(p, BPF_ALU | (o) | BPF_X, d, s, 0, 0)
#define JUMP(code, d, s, k) emit(p, BPF_JMP | (code), d, s, 0, k)
#define AIM(at, to) (p->insn[at].off = (int16_t)((to) - (at) - 1))

/* Registers: r6 the packet (LD_IND reads through it), r7 the offset, r8 the state, r9 the hash.
   Stack: fp-4 the table key, fp-16 the payload length, fp-24 the byte. The socket filter sees
   the UDP payload (the kernel pulls the UDP header before running a reuseport program). */
static void assemble(prog_t *p, int table, uint32_t workers) {
  ALU64_X(BPF_MOV, 6, 1);
  emit(p, BPF_LDX | BPF_MEM | BPF_W, 1, 6, offsetof(struct __sk_buff, len), 0);
  emit(p, BPF_STX | BPF_MEM | BPF_DW, 10, 1, -16, 0);
  ALU64_K(BPF_MOV, 7, 0);
  ALU64_K(BPF_MOV, 8, S_SKIP);
  ALU32_K(BPF_MOV, 9, (int32_t)FNV_OFFSET);
  int loop = JUMP(BPF_JGE | BPF_K, 7, 0, MAX_SCAN); /* -> none */
  emit(p, BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -16, 0);
  int more = JUMP(BPF_JLT | BPF_X, 7, 1, 0); /* -> body */
  int end1 = JUMP(BPF_JA, 0, 0, 0);          /* -> none */
  int body = emit(p, BPF_LD | BPF_IND | BPF_B, 0, 7, 0, 0);
  ALU64_K(BPF_ADD, 7, 1);
  emit(p, BPF_STX | BPF_MEM | BPF_DW, 10, 0, -24, 0);
  ALU64_K(BPF_LSH, 8, 8);
  ALU64_X(BPF_OR, 8, 0);
  emit(p, BPF_STX | BPF_MEM | BPF_W, 10, 8, -4, 0);
  emit(p, BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, table);
  emit(p, 0, 0, 0, 0, 0);
  ALU64_X(BPF_MOV, 2, 10);
  ALU64_K(BPF_ADD, 2, -4);
  emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
  int found = JUMP(BPF_JNE | BPF_K, 0, 0, 0); /* -> entry */
  int end2 = JUMP(BPF_JA, 0, 0, 0);           /* -> none */
  int entry = emit(p, BPF_LDX | BPF_MEM | BPF_W, 1, 0, 0, 0);
  ALU64_X(BPF_MOV, 8, 1);
  ALU64_K(BPF_AND, 8, 0xff);
  /* hash = F_HASH ? (hash ^ byte) * prime : hash, without a branch (one verifier path) */
  emit(p, BPF_LDX | BPF_MEM | BPF_DW, 2, 10, -24, 0);
  ALU32_X(BPF_XOR, 2, 9);
  ALU32_K(BPF_MUL, 2, (int32_t)FNV_PRIME);
  ALU32_X(BPF_XOR, 2, 9);
  ALU64_X(BPF_MOV, 3, 1);
  ALU64_K(BPF_RSH, 3, 8);
  ALU64_K(BPF_AND, 3, 1);
  ALU64_K(BPF_NEG, 3, 0);
  ALU32_X(BPF_AND, 2, 3);
  ALU32_X(BPF_XOR, 9, 2);
  ALU64_K(BPF_AND, 1, F_DONE | F_NONE);
  int next = JUMP(BPF_JEQ | BPF_K, 1, 0, 0);     /* -> loop */
  int end3 = JUMP(BPF_JEQ | BPF_K, 1, 0, F_NONE); /* -> none */
  ALU32_K(BPF_MOD, 9, (int32_t)workers);
  ALU32_X(BPF_MOV, 0, 9);
  emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  int none = ALU32_K(BPF_MOV, 0, -1); /* out of range: the kernel's own choice */
  emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  AIM(loop, none);
  AIM(more, body);
  AIM(end1, none);
  AIM(found, entry);
  AIM(end2, none);
  AIM(next, loop);
  AIM(end3, none);
}

int callid_steer_attach(int fd, uint32_t workers, const char **failed_step) {
  if (workers < 1 || workers > 1024) {
    *failed_step = "workers";
    return -EINVAL;
  }
  int table = make_table();
  if (table < 0) {
    *failed_step = "bpf map";
    return table;
  }
  prog_t prog;
  memset(&prog, 0, sizeof prog);
  assemble(&prog, table, workers);
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  a.insns = (uint64_t)(uintptr_t)prog.insn;
  a.insn_cnt = (uint32_t)prog.n;
  a.license = (uint64_t)(uintptr_t)"MIT"; /* sipkit's; the program uses no GPL-only helper */
  int pfd = (int)bpf(BPF_PROG_LOAD, &a);
  int err = pfd < 0 ? -errno : 0;
  close(table); /* the program holds the table */
  if (pfd < 0) {
    *failed_step = "bpf prog";
    return err;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &pfd, sizeof pfd) < 0) {
    err = -errno;
    *failed_step = "setsockopt";
  }
  close(pfd); /* the reuseport group holds the program */
  return err;
}
