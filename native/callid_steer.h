/* Call-ID steering for a SO_REUSEPORT group of UDP sockets (callid_steer.c). */
#ifndef SIPKIT_CALLID_STEER_H
#define SIPKIT_CALLID_STEER_H
#include <stdint.h>

/* Attaches to `fd`'s reuseport group a program that hands each datagram to socket
   FNV-1a(Call-ID) % workers; 0 or -errno (EPERM without CAP_BPF, EINVAL/E2BIG/ENOSYS where the
   kernel cannot run it). `failed_step` names the step that failed ("bpf map", "bpf prog",
   "setsockopt"). */
int callid_steer_attach(int fd, uint32_t workers, const char **failed_step);

#endif
