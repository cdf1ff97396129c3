/*
 * Batched UDP for sipkit (Linux): recvmmsg/sendmmsg behind a tiny N-API surface.
 *
 * Why: node:dgram costs one buffer allocation, one rinfo object and one JS callback per datagram
 * received, and a SendWrap plus a callback per datagram sent. Here a readable socket is drained
 * with one recvmmsg(2) of up to BATCH datagrams into one preallocated area, copied into ONE
 * Buffer, and handed to JS in ONE callback; sends are packed by JS into a shared area and leave
 * with one sendmmsg(2) per flush.
 *
 * The JS side (src/core/transport/native-udp.ts) owns the layout of the shared arrays:
 *   slot i of a meta Uint32Array (8 words): [offset, length, port, family(4|6), addr bytes x16]
 *   (IPv4 addresses use the first 4 address bytes, in network order).
 * Receive: the callback gets (buffer, count, drops, waitMs); slot i says where datagram i sits in
 * buffer; drops is the socket's count of datagrams the kernel dropped for want of room in its
 * receive buffer (SO_RXQ_OVFL, as stamped on the batch's last datagram; 0 until the first drop);
 * waitMs is how long the batch's first (oldest) datagram waited in the socket, from the kernel's
 * receive time stamp (SO_TIMESTAMPNS) to the read (-1 when the kernel gave none). Both only after
 * watchQueue(handle).
 * Send: JS fills the send area and the send meta, calls send(handle, count); every slot's result
 * goes to the status Int32Array (0 or an errno); the return value is how many slots were done
 * (sent or failed). Fewer than count means the socket buffer is full (EAGAIN): the socket then
 * polls for writability and calls onWritable once, and JS sends the rest again.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <fcntl.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "callid_steer.h"

#define BATCH 64
/* Batches read per readable event while each one comes back full (the socket has more queued).
   One batch per event loop turn capped what a process read between two runs of its timers: a
   load generator opening 10,000 calls a second (timers) read its replies 64 per turn and fell
   behind its socket in its first second (issue 15); reading up to 256 lets a busy process drain
   its queue before it adds to it. libuv reads up to 32 datagrams per turn for dgram. */
#define BATCHES_PER_POLL 4
/* Larger than any UDP payload (65507 over IPv4, 65527 over IPv6): MSG_TRUNC cannot happen. */
#define SLOT 65536
#define META_WORDS 8

typedef struct {
  /* One receive area per JS environment (main thread or worker thread), shared by its sockets:
     it is only used between recvmmsg and the copy into the batch Buffer, never across a JS call. */
  char *area;
} instance_t;

typedef struct sock_s {
  napi_env env;
  instance_t *inst;
  int fd;
  int family;
  int closed;
  int want_write;
  uint32_t drops; /* SO_RXQ_OVFL: the kernel's drop count, from the last datagram read */
  uv_poll_t poll;
  napi_ref on_batch;
  napi_ref on_writable;
  napi_ref resource;
  napi_async_context async;
  uint32_t *recv_meta; /* BATCH * META_WORDS, owned by JS (kept alive by recv_meta_ref) */
  napi_ref recv_meta_ref;
  char *send_area;
  size_t send_area_len;
  napi_ref send_area_ref;
  uint32_t *send_meta;
  napi_ref send_meta_ref;
  int32_t *send_status;
  napi_ref send_status_ref;
} sock_t;

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, "ERR_NATIVE_UDP", "N-API call failed: " #call);                        \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  char msg[160];
  const char *name = uv_err_name(-err);
  snprintf(msg, sizeof msg, "%s %s (%s)", syscall, name, strerror(err));
  napi_value code, message, error, errno_v, sys;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, -err, &errno_v);
  napi_set_named_property(env, error, "errno", errno_v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
  return NULL;
}

static void *typed_data(napi_env env, napi_value v, size_t *bytes) {
  napi_typedarray_type type;
  size_t length, offset;
  void *data = NULL;
  napi_value ab;
  bool is_typed = false, is_buffer = false;
  napi_is_typedarray(env, v, &is_typed);
  if (is_typed) {
    if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok) return NULL;
    size_t el = (type == napi_uint32_array || type == napi_int32_array) ? 4 : 1;
    if (bytes) *bytes = length * el;
    return data;
  }
  napi_is_buffer(env, v, &is_buffer);
  if (is_buffer && napi_get_buffer_info(env, v, &data, &length) == napi_ok) {
    if (bytes) *bytes = length;
    return data;
  }
  return NULL;
}

static void release(sock_t *s) {
  napi_env env = s->env;
  napi_delete_reference(env, s->on_batch);
  napi_delete_reference(env, s->on_writable);
  napi_delete_reference(env, s->resource);
  napi_delete_reference(env, s->recv_meta_ref);
  napi_delete_reference(env, s->send_area_ref);
  napi_delete_reference(env, s->send_meta_ref);
  napi_delete_reference(env, s->send_status_ref);
  napi_async_destroy(env, s->async);
}

static void on_poll_closed(uv_handle_t *h) { free(h->data); }

/* Stop polling and close the fd (after libuv has released the poll handle). Idempotent. */
static void shut(sock_t *s) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  release(s);
  uv_close((uv_handle_t *)&s->poll, on_poll_closed);
  /* uv_close has stopped the poll and removed the fd from epoll already; close the fd now, not in
     the close callback at the end of the loop turn: a server restarted on the same port (close,
     then bind again from a setImmediate) would find it still in use (EADDRINUSE). */
  close(s->fd);
}

/* The environment is going away (process exit, worker thread end) with the socket still open. */
static void cleanup_hook(void *arg) { shut(arg); }

static void call_js(sock_t *s, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value fn, recv, result;
  napi_get_reference_value(env, fn_ref, &fn);
  napi_get_reference_value(env, s->resource, &recv);
  /* make_callback (not call_function): as the outermost callback it runs process.nextTick's
     queue and the microtasks afterwards, as node's own handles do. */
  if (napi_make_callback(env, s->async, recv, fn, argc, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err); /* 'uncaughtException', like a throwing 'message' listener */
  }
}

static void fill_meta(uint32_t *m, uint32_t offset, uint32_t len, const struct sockaddr_storage *a) {
  m[0] = offset;
  m[1] = len;
  uint8_t *bytes = (uint8_t *)&m[4];
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
    m[2] = ntohs(a6->sin6_port);
    m[3] = 6;
    memcpy(bytes, &a6->sin6_addr, 16);
  } else {
    const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
    m[2] = ntohs(a4->sin_port);
    m[3] = 4;
    memcpy(bytes, &a4->sin_addr, 4);
    memset(bytes + 4, 0, 12);
  }
}

/* The drop count a datagram carries (SO_RXQ_OVFL: the socket's sk_drops when it was queued; no
   control message while that is 0), or `last` when it carries none (a kernel without the option). */
static uint32_t drops_of(struct msghdr *h, uint32_t last) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL && c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
      uint32_t v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      return v;
    }
  }
  return last;
}

/* How long (ms) a datagram waited in the socket: now less its kernel receive time stamp
   (SO_TIMESTAMPNS, the real-time clock); -1 without one. */
static double wait_of(struct msghdr *h) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
        c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      struct timespec ts, now;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      clock_gettime(CLOCK_REALTIME, &now);
      double ms = (double)(now.tv_sec - ts.tv_sec) * 1e3 + (double)(now.tv_nsec - ts.tv_nsec) / 1e6;
      return ms < 0 ? 0 : ms;
    }
  }
  return -1;
}

/* One recvmmsg of up to BATCH datagrams, handed to JS; returns how many were read. */
static int do_read(sock_t *s) {
  static __thread struct mmsghdr msgs[BATCH];
  static __thread struct iovec iov[BATCH];
  static __thread struct sockaddr_storage from[BATCH];
  /* Control messages: SO_TIMESTAMPNS's receive time, and SO_RXQ_OVFL's drop count (a uint32_t,
     present once the socket has dropped anything). */
  static __thread union {
    char buf[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t))];
    struct cmsghdr align;
  } ctl[BATCH];
  char *area = s->inst->area;
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = area + (size_t)i * SLOT;
    iov[i].iov_len = SLOT;
    memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    msgs[i].msg_hdr.msg_control = ctl[i].buf;
    msgs[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
  }
  int n;
  do n = recvmmsg(s->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  /* EAGAIN: a spurious wake-up; other errors on an unconnected UDP socket (ICMP reports such as
     ECONNREFUSED) are ignored, as libuv does for dgram. */
  if (n <= 0) return 0;
  s->drops = drops_of(&msgs[n - 1].msg_hdr, s->drops);
  double wait_ms = wait_of(&msgs[0].msg_hdr);
  size_t total = 0;
  for (int i = 0; i < n; i++) total += msgs[i].msg_len;
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  void *data;
  napi_value buf, count, drops, wait;
  if (napi_create_buffer(env, total, &data, &buf) != napi_ok) {
    napi_close_handle_scope(env, scope);
    return 0;
  }
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    memcpy((char *)data + off, iov[i].iov_base, msgs[i].msg_len);
    fill_meta(s->recv_meta + i * META_WORDS, (uint32_t)off, msgs[i].msg_len, &from[i]);
    off += msgs[i].msg_len;
  }
  napi_create_int32(env, n, &count);
  napi_create_uint32(env, s->drops, &drops);
  napi_create_double(env, wait_ms, &wait);
  napi_value argv[4] = {buf, count, drops, wait};
  call_js(s, s->on_batch, 4, argv);
  napi_close_handle_scope(env, scope);
  return n;
}

static void update_poll(sock_t *s);

static void on_poll(uv_poll_t *h, int status, int events) {
  sock_t *s = h->data;
  if (s->closed || status < 0) return;
  if (events & UV_WRITABLE) {
    s->want_write = 0;
    update_poll(s);
    napi_handle_scope scope;
    napi_open_handle_scope(s->env, &scope);
    call_js(s, s->on_writable, 0, NULL);
    napi_close_handle_scope(s->env, scope);
    if (s->closed) return; /* the callback may have closed the socket */
  }
  if (events & UV_READABLE)
    for (int i = 0; i < BATCHES_PER_POLL && !s->closed; i++)
      if (do_read(s) < BATCH) break; /* the socket is empty (or failed): wait for the next event */
}

static void update_poll(sock_t *s) {
  uv_poll_start(&s->poll, UV_READABLE | (s->want_write ? UV_WRITABLE : 0), on_poll);
}

static int fill_addr(int family, const uint8_t *bytes, int port, struct sockaddr_storage *out, socklen_t *len) {
  memset(out, 0, sizeof *out);
  if (family == 6) {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    memcpy(&a6->sin6_addr, bytes, 16);
    *len = sizeof *a6;
  } else {
    struct sockaddr_in *a4 = (struct sockaddr_in *)out;
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    memcpy(&a4->sin_addr, bytes, 4);
    *len = sizeof *a4;
  }
  return 0;
}

static sock_t *get_sock(napi_env env, napi_value v) {
  sock_t *s = NULL;
  napi_get_value_external(env, v, (void **)&s);
  return s;
}

/* bindFd(family, addrBytes, port, ipv6Only, rcvbuf, sndbuf, reusePort) -> fd of a bound socket,
   not yet polled: open() serves it here, or a multi-process sipd's primary hands it to its workers
   (each worker's open() polls the same socket, as Kamailio's UDP children share one). */
static napi_value js_bind_fd(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7], result;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "bindFd: 7 arguments expected");
    return NULL;
  }
  int32_t family, port, rcvbuf, sndbuf;
  bool v6only, reuse;
  CHECK(napi_get_value_int32(env, a[0], &family));
  size_t addr_len = 0;
  uint8_t *addr = typed_data(env, a[1], &addr_len);
  CHECK(napi_get_value_int32(env, a[2], &port));
  CHECK(napi_get_value_bool(env, a[3], &v6only));
  CHECK(napi_get_value_int32(env, a[4], &rcvbuf));
  CHECK(napi_get_value_int32(env, a[5], &sndbuf));
  CHECK(napi_get_value_bool(env, a[6], &reuse));
  if (!addr || addr_len < (family == 6 ? 16u : 4u)) {
    napi_throw_type_error(env, NULL, "bindFd: bad address");
    return NULL;
  }
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  int one = 1, zero = 0;
  if (family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? &one : &zero, sizeof one) < 0) goto fail_opt;
  if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) goto fail_opt;
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) goto fail_opt;
  if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) < 0) goto fail_opt;
  struct sockaddr_storage ss_addr;
  socklen_t sl;
  fill_addr(family, addr, port, &ss_addr, &sl);
  if (bind(fd, (struct sockaddr *)&ss_addr, sl) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "bind");
  }
  CHECK(napi_create_int32(env, fd, &result));
  return result;

fail_opt: {
  int e = errno;
  close(fd);
  return throw_errno(env, e, "setsockopt");
}
}

/* open(fd, onBatch, onWritable, recvMeta, sendArea, sendMeta, sendStatus) -> handle: serves a bound
   UDP socket (from bindFd, here or in the process that passed it down). The handle owns the fd:
   close() closes it. The fd is made non-blocking here: an inherited one may not be. */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "open: 7 arguments expected");
    return NULL;
  }
  instance_t *inst;
  CHECK(napi_get_instance_data(env, (void **)&inst));
  int32_t fd;
  CHECK(napi_get_value_int32(env, a[0], &fd));
  size_t rm_len = 0, sa_len = 0, sm_len = 0, ss_len = 0;
  uint32_t *rm = typed_data(env, a[3], &rm_len);
  char *sa = typed_data(env, a[4], &sa_len);
  uint32_t *sm = typed_data(env, a[5], &sm_len);
  int32_t *ss = typed_data(env, a[6], &ss_len);
  if (!rm || rm_len < BATCH * META_WORDS * 4 || !sa || !sm || sm_len < BATCH * META_WORDS * 4 || !ss ||
      ss_len < BATCH * 4) {
    napi_throw_type_error(env, NULL, "open: bad shared arrays");
    return NULL;
  }
  /* Only a UDP socket: an fd number that names something else (a stale or wrong inheritance)
     must fail here, not be read from as if it were one. */
  struct sockaddr_storage local;
  socklen_t ll = sizeof local;
  int type = 0;
  socklen_t tl = sizeof type;
  if (getsockname(fd, (struct sockaddr *)&local, &ll) < 0) return throw_errno(env, errno, "getsockname");
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0) return throw_errno(env, errno, "getsockopt");
  if (type != SOCK_DGRAM || (local.ss_family != AF_INET && local.ss_family != AF_INET6))
    return throw_errno(env, ENOTSOCK, "open");
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return throw_errno(env, errno, "fcntl");
  if (!inst->area && !(inst->area = malloc((size_t)BATCH * SLOT))) return throw_errno(env, ENOMEM, "malloc");

  sock_t *s = calloc(1, sizeof *s);
  if (!s) return throw_errno(env, ENOMEM, "calloc");
  s->env = env;
  s->inst = inst;
  s->fd = fd;
  s->family = local.ss_family == AF_INET6 ? 6 : 4;
  s->recv_meta = rm;
  s->send_area = sa;
  s->send_area_len = sa_len;
  s->send_meta = sm;
  s->send_status = ss;
  uv_loop_t *loop;
  napi_value resource, name;
  if (napi_get_uv_event_loop(env, (struct uv_loop_s **)&loop) != napi_ok || uv_poll_init(loop, &s->poll, fd) != 0) {
    free(s);
    napi_throw_error(env, "ERR_NATIVE_UDP", "uv_poll_init failed");
    return NULL;
  }
  s->poll.data = s;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "SIPKIT_UDP", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &s->async);
  napi_create_reference(env, resource, 1, &s->resource);
  napi_create_reference(env, a[1], 1, &s->on_batch);
  napi_create_reference(env, a[2], 1, &s->on_writable);
  napi_create_reference(env, a[3], 1, &s->recv_meta_ref);
  napi_create_reference(env, a[4], 1, &s->send_area_ref);
  napi_create_reference(env, a[5], 1, &s->send_meta_ref);
  napi_create_reference(env, a[6], 1, &s->send_status_ref);
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  update_poll(s);
  napi_value handle;
  CHECK(napi_create_external(env, s, NULL, NULL, &handle));
  return handle;
}

/* send(handle, count) -> slots done; status[i] = 0 (sent) or errno (failed, skipped). */
static napi_value js_send(napi_env env, napi_callback_info info) {
  static __thread struct mmsghdr msgs[BATCH];
  static __thread struct iovec iov[BATCH];
  static __thread struct sockaddr_storage to[BATCH];
  size_t argc = 2;
  napi_value a[2], result;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = get_sock(env, a[0]);
  int32_t count;
  CHECK(napi_get_value_int32(env, a[1], &count));
  if (!s || s->closed) return throw_errno(env, EBADF, "send");
  if (count > BATCH) count = BATCH;
  for (int i = 0; i < count; i++) {
    uint32_t *m = s->send_meta + i * META_WORDS;
    if ((size_t)m[0] + m[1] > s->send_area_len) {
      napi_throw_range_error(env, NULL, "send: slot outside the send area");
      return NULL;
    }
    iov[i].iov_base = s->send_area + m[0];
    iov[i].iov_len = m[1];
    memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
    socklen_t sl;
    fill_addr((int)m[3], (const uint8_t *)&m[4], (int)m[2], &to[i], &sl);
    msgs[i].msg_hdr.msg_name = &to[i];
    msgs[i].msg_hdr.msg_namelen = sl;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int done = 0;
  while (done < count) {
    int n = sendmmsg(s->fd, msgs + done, count - done, MSG_DONTWAIT);
    if (n > 0) {
      for (int i = 0; i < n; i++) s->send_status[done + i] = 0;
      done += n;
      continue;
    }
    int e = n < 0 ? errno : EAGAIN;
    if (e == EINTR) continue;
    if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
      /* The socket buffer is full: the rest waits for writability, nothing is dropped. */
      if (!s->want_write) {
        s->want_write = 1;
        update_poll(s);
      }
      break;
    }
    /* sendmmsg stopped at message `done`, which failed: report it and go on with the next. */
    s->send_status[done++] = e;
  }
  CHECK(napi_create_int32(env, done, &result));
  return result;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = get_sock(env, a[0]);
  if (s && !s->closed) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, s);
    shut(s);
  }
  return NULL;
}

/* The local address of socket fd as a meta record (fill_meta: port at [2], family at [3], address
   bytes from [4]); 0, or getsockname's errno. */
static int local_meta(int fd, uint32_t m[META_WORDS]) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) return errno;
  fill_meta(m, 0, 0, &ss);
  return 0;
}

/* address(handle) -> [family, addrBytes(Buffer), port] of the bound socket. */
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1], out, fam, port, bytes;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = get_sock(env, a[0]);
  if (!s || s->closed) return throw_errno(env, EBADF, "getsockname");
  uint32_t m[META_WORDS];
  int err = local_meta(s->fd, m);
  if (err) return throw_errno(env, err, "getsockname");
  CHECK(napi_create_array_with_length(env, 3, &out));
  CHECK(napi_create_int32(env, (int32_t)m[3], &fam));
  CHECK(napi_create_buffer_copy(env, m[3] == 6 ? 16 : 4, &m[4], NULL, &bytes));
  CHECK(napi_create_int32(env, (int32_t)m[2], &port));
  napi_set_element(env, out, 0, fam);
  napi_set_element(env, out, 1, bytes);
  napi_set_element(env, out, 2, port);
  return out;
}

/* setBufferSize(handle, which(0 recv, 1 send), size) */
static napi_value js_set_buffer_size(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = get_sock(env, a[0]);
  int32_t which, size;
  CHECK(napi_get_value_int32(env, a[1], &which));
  CHECK(napi_get_value_int32(env, a[2], &size));
  if (!s || s->closed) return throw_errno(env, EBADF, "setsockopt");
  if (setsockopt(s->fd, SOL_SOCKET, which ? SO_SNDBUF : SO_RCVBUF, &size, sizeof size) < 0)
    return throw_errno(env, errno, "setsockopt");
  return NULL;
}

/* watchQueue(handle): from now on each batch says how long its oldest datagram waited and how many
   the kernel dropped (SO_TIMESTAMPNS, SO_RXQ_OVFL): sipd's overload control goes by how long
   requests wait in the socket and whether it overflows. Asked only by sockets whose queue is
   watched: a time stamp on every datagram costs the kernel a clock read, and nobody else reads it.
   Best effort: without the options the count stays 0 and the wait -1. */
static napi_value js_watch_queue(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = get_sock(env, a[0]);
  if (!s || s->closed) return throw_errno(env, EBADF, "setsockopt");
  int on = 1;
  (void)setsockopt(s->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  (void)setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  return NULL;
}

/* pton(string) -> Buffer of 4 or 16 bytes, or null when the string is not an IP address. */
static napi_value js_pton(napi_env env, napi_callback_info info) {
  size_t argc = 1, len;
  napi_value a[1], out;
  char str[INET6_ADDRSTRLEN + 8];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (napi_get_value_string_latin1(env, a[0], str, sizeof str, &len) != napi_ok || len >= sizeof str - 1) goto none;
  uint8_t bytes[16];
  if (inet_pton(AF_INET, str, bytes) == 1) {
    CHECK(napi_create_buffer_copy(env, 4, bytes, NULL, &out));
    return out;
  }
  if (inet_pton(AF_INET6, str, bytes) == 1) {
    CHECK(napi_create_buffer_copy(env, 16, bytes, NULL, &out));
    return out;
  }
none:
  napi_get_null(env, &out);
  return out;
}

/* ntop(bytes: 4 or 16 byte view) -> the address as text (RFC 5952 form for IPv6). */
static napi_value js_ntop(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value a[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  uint8_t *bytes = typed_data(env, a[0], &len);
  char str[INET6_ADDRSTRLEN];
  if (!bytes || (len != 4 && len != 16) || !inet_ntop(len == 4 ? AF_INET : AF_INET6, bytes, str, sizeof str)) {
    napi_throw_type_error(env, NULL, "ntop: 4 or 16 bytes expected");
    return NULL;
  }
  CHECK(napi_create_string_latin1(env, str, NAPI_AUTO_LENGTH, &out));
  return out;
}

/* trimMemory() -> whether the C heap was asked to give memory back. Not UDP, but this is sipkit's
   one addon: glibc's malloc keeps the pages a burst of native allocations (Buffers, SQLite,
   TLS) grew its arenas into until malloc_trim; sipd calls it with its idle compaction. */
static napi_value js_trim_memory(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
#ifdef __GLIBC__
  malloc_trim(0);
  napi_get_boolean(env, true, &out);
#else
  napi_get_boolean(env, false, &out);
#endif
  return out;
}

/* fdPort(fd) -> the local port of a bound socket that is not served yet (bindFd's, before open). */
static napi_value js_fd_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, a[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "fdPort: an fd expected");
    return NULL;
  }
  uint32_t m[META_WORDS];
  int err = local_meta(fd, m);
  if (err) return throw_errno(env, err, "getsockname");
  CHECK(napi_create_int32(env, (int32_t)m[2], &out));
  return out;
}

/* steerByCallId(fd, workers): attaches Call-ID steering (callid_steer.c) to the SO_REUSEPORT
   group of the bound socket fd, whose members are the workers' sockets in the order they were
   bound. Throws with the errno (EPERM without CAP_BPF) and the step that failed. */
static napi_value js_steer_by_call_id(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "steerByCallId: 2 arguments expected");
    return NULL;
  }
  int32_t fd;
  uint32_t workers;
  CHECK(napi_get_value_int32(env, a[0], &fd));
  CHECK(napi_get_value_uint32(env, a[1], &workers));
  const char *step = "steer";
  int err = callid_steer_attach(fd, workers, &step);
  if (err < 0) return throw_errno(env, -err, step);
  return NULL;
}

static void free_instance(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  instance_t *inst = data;
  free(inst->area);
  free(inst);
}

static napi_value init(napi_env env, napi_value exports) {
  instance_t *inst = calloc(1, sizeof *inst);
  if (!inst || napi_set_instance_data(env, inst, free_instance, NULL) != napi_ok) return NULL;
  napi_property_descriptor props[] = {
      {"bindFd", NULL, js_bind_fd, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, js_address, NULL, NULL, NULL, napi_default, NULL},
      {"setBufferSize", NULL, js_set_buffer_size, NULL, NULL, NULL, napi_default, NULL},
      {"watchQueue", NULL, js_watch_queue, NULL, NULL, NULL, napi_default, NULL},
      {"pton", NULL, js_pton, NULL, NULL, NULL, napi_default, NULL},
      {"ntop", NULL, js_ntop, NULL, NULL, NULL, napi_default, NULL},
      {"trimMemory", NULL, js_trim_memory, NULL, NULL, NULL, napi_default, NULL},
      {"steerByCallId", NULL, js_steer_by_call_id, NULL, NULL, NULL, napi_default, NULL},
      {"fdPort", NULL, js_fd_port, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value batch;
  napi_create_int32(env, BATCH, &batch);
  napi_set_named_property(env, exports, "BATCH", batch);
  napi_value per_turn;
  napi_create_int32(env, BATCH * BATCHES_PER_POLL, &per_turn);
  napi_set_named_property(env, exports, "READS_PER_TURN", per_turn);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
