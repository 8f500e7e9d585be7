/*
 * ddhcpd's only native helper: bind a socket to one network device, and the
 * DHCP server socket itself.
 * Node's dgram cannot do SO_BINDTODEVICE, and without it the DHCP socket would
 * answer on every interface (a rogue server on the WAN) and the mesh sockets
 * would hear other segments. For the DHCP socket dgram also cost more CPU per
 * exchange than building the reply (bench/RESULTS.md): a 64 KiB allocation, a
 * Buffer and an address object per datagram received, an address lookup, two
 * ticks and a request object per datagram sent. Here a datagram is read into
 * one reused buffer and a reply leaves with one sendto().
 * The ARP socket (openArp, sendArp, hardwareAddress) lets the server probe an
 * address before it offers it (src/core/probe.ts); dgram has no packet sockets.
 * Plain C, N-API and libuv's poll handle only, so it cross-compiles for OpenWrt
 * targets with the target's cc and node's headers, no C++ runtime.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

/* Datagrams handed to JS per wake-up at most, so a flood cannot starve timers. */
#define MAX_DATAGRAMS_PER_WAKEUP 64

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

/*
 * Reads exactly n arguments into argv; throws a TypeError with the call's usage
 * and returns 0 when the count differs, so each entry point checks its count in one line.
 */
static int call_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *usage) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == n) return 1;
  napi_throw_type_error(env, NULL, usage);
  return 0;
}

/* Reads a file descriptor argument; throws a TypeError and returns 0 when it is not one. */
static int fd_arg(napi_env env, napi_value value, int32_t *fd) {
  if (napi_get_value_int32(env, value, fd) == napi_ok && *fd >= 0) return 1;
  napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
  return 0;
}

/* Reads an interface name argument into name (IFNAMSIZ + 1 bytes); throws a TypeError and returns 0 when it is not one. */
static int ifname_arg(napi_env env, napi_value value, char *name) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, name, IFNAMSIZ + 1, &len) == napi_ok && len > 0 && len < IFNAMSIZ) return 1;
  napi_throw_type_error(env, NULL, "ifname must be an interface name");
  return 0;
}

/* Reads the (fd, bytes) a send call starts with; throws a TypeError and returns 0 when they are not. */
static int send_args(napi_env env, const napi_value *argv, int32_t *fd, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (!fd_arg(env, argv[0], fd)) return 0;
  if (napi_get_typedarray_info(env, argv[1], &type, length, data, &buffer, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "bytes must be a Uint8Array");
    return 0;
  }
  return 1;
}

/* What a send returns to JS: 0, or the errno of the failed send. */
static napi_value send_result(napi_env env, int err) {
  napi_value result;
  if (napi_create_int32(env, err, &result) != napi_ok) return NULL;
  return result;
}

/* bindToDevice(fd: number, ifname: string): void; an empty name unbinds. */
static napi_value bind_to_device(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  char name[IFNAMSIZ + 1];
  size_t len = 0;

  if (!call_args(env, info, 2, argv, "bindToDevice(fd, ifname) takes two arguments")) return NULL;
  if (!fd_arg(env, argv[0], &fd)) return NULL;
  if (napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "ifname must be a string");
    return NULL;
  }
  if (len >= IFNAMSIZ) {
    napi_throw_range_error(env, NULL, "interface name too long");
    return NULL;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)len) != 0) {
    return throw_errno(env, "SO_BINDTODEVICE", errno);
  }
  return NULL;
}

/*
 * sendTo(fd: number, bytes: Uint8Array, ipv4: number, port: number): number
 * One IPv4 datagram, without blocking. Returns 0, or the errno of a failed send
 * (EAGAIN when the socket buffer is full): UDP may drop, the caller counts it.
 */
static napi_value send_to(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd;
  uint32_t ip;
  uint32_t port;
  size_t length;
  void *data;
  struct sockaddr_in to;
  int err = 0;

  if (!call_args(env, info, 4, argv, "sendTo(fd, bytes, ipv4, port) takes four arguments")) return NULL;
  if (!send_args(env, argv, &fd, &data, &length)) return NULL;
  if (napi_get_value_uint32(env, argv[2], &ip) != napi_ok || napi_get_value_uint32(env, argv[3], &port) != napi_ok || port > 65535) {
    napi_throw_type_error(env, NULL, "ipv4 must be a 32-bit number and port below 65536");
    return NULL;
  }
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  to.sin_addr.s_addr = htonl(ip);
  if (sendto(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&to, sizeof to) < 0) err = errno;
  return send_result(env, err);
}

/*
 * openUdp4(ifname: string, port: number, rcvbuf: number): number
 * A non-blocking IPv4 UDP socket on 0.0.0.0:port, bound to the device first (so
 * daemons on different interfaces share the port), broadcast allowed. Returns
 * the fd; throws an Error naming the step that failed.
 */
static napi_value open_udp4(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  char name[IFNAMSIZ + 1];
  uint32_t port;
  int32_t rcvbuf;
  int fd;
  int one = 1;
  struct sockaddr_in addr;
  napi_value result;

  if (!call_args(env, info, 3, argv, "openUdp4(ifname, port, rcvbuf) takes three arguments")) return NULL;
  if (!ifname_arg(env, argv[0], name)) return NULL;
  if (napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535 ||
      napi_get_value_int32(env, argv[2], &rcvbuf) != napi_ok || rcvbuf < 0) {
    napi_throw_type_error(env, NULL, "port must be below 65536 and rcvbuf non-negative");
    return NULL;
  }
  fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt", err);
  }
  if (rcvbuf > 0) (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name)) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "SO_BINDTODEVICE", err);
  }
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, (const struct sockaddr *)&addr, sizeof addr) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  if (napi_create_int32(env, fd, &result) != napi_ok) {
    close(fd);
    return NULL;
  }
  return result;
}


/*
 * openArp(ifname: string): number
 * A non-blocking packet socket for ARP frames (without their Ethernet header) on
 * one device, taking only frames addressed to the device itself: the answers to
 * our probes are unicast to us, and on a mesh bridge every client's broadcast ARP
 * would otherwise wake the daemon. Returns the fd; throws an Error naming the
 * step that failed.
 */
static struct sock_filter host_only_code[] = {
  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_HOST, 0, 1),
  BPF_STMT(BPF_RET | BPF_K, 0xffff),
  BPF_STMT(BPF_RET | BPF_K, 0),
};
static const struct sock_fprog host_only = { sizeof host_only_code / sizeof host_only_code[0], host_only_code };

static napi_value open_arp(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[IFNAMSIZ + 1];
  struct sockaddr_ll at;
  napi_value result;
  unsigned int index;
  int fd;

  if (!call_args(env, info, 1, argv, "openArp(ifname) takes an interface name")) return NULL;
  if (!ifname_arg(env, argv[0], name)) return NULL;
  index = if_nametoindex(name);
  if (index == 0) return throw_errno(env, "if_nametoindex", errno);
  /* Protocol 0 receives nothing until the filter is in place: no broadcast slips in before it. */
  fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_PACKET)", errno);
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &host_only, sizeof host_only) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "SO_ATTACH_FILTER", err);
  }
  memset(&at, 0, sizeof at);
  at.sll_family = AF_PACKET;
  at.sll_protocol = htons(ETH_P_ARP);
  at.sll_ifindex = (int)index;
  if (bind(fd, (const struct sockaddr *)&at, sizeof at) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind(AF_PACKET)", err);
  }
  if (napi_create_int32(env, fd, &result) != napi_ok) return NULL;
  return result;
}

/* The device address a bound packet socket reports: the interface's MAC. */
static int bound_link(int fd, struct sockaddr_ll *at) {
  socklen_t size = sizeof *at;
  memset(at, 0, sizeof *at);
  if (getsockname(fd, (struct sockaddr *)at, &size) != 0) return errno;
  return at->sll_halen == ETH_ALEN ? 0 : EAFNOSUPPORT;
}

/* hardwareAddress(fd: number): Uint8Array, the 6 bytes of the device's MAC. */
static napi_value hardware_address(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  struct sockaddr_ll at;
  napi_value result;
  void *copy;
  int err;

  if (!call_args(env, info, 1, argv, "hardwareAddress(fd) takes one argument")) return NULL;
  if (!fd_arg(env, argv[0], &fd)) return NULL;
  err = bound_link(fd, &at);
  if (err != 0) return throw_errno(env, "getsockname(AF_PACKET)", err);
  if (napi_create_buffer_copy(env, ETH_ALEN, at.sll_addr, &copy, &result) != napi_ok) return NULL;
  return result;
}

/* sendArp(fd: number, bytes: Uint8Array): number, broadcast on the bound device; 0 or the errno. */
static napi_value send_arp(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  size_t length;
  void *data;
  struct sockaddr_ll to;
  int err;

  if (!call_args(env, info, 2, argv, "sendArp(fd, bytes) takes two arguments")) return NULL;
  if (!send_args(env, argv, &fd, &data, &length)) return NULL;
  err = bound_link(fd, &to);
  if (err == 0) {
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    memset(to.sll_addr, 0xff, ETH_ALEN);
    if (sendto(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&to, sizeof to) < 0) err = errno;
  }
  return send_result(env, err);
}

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  /* Keeps the JS buffer alive while `data` points into it. */
  napi_ref buffer;
  napi_async_context async;
  uint8_t *data;
  size_t capacity;
  int fd;
  int closed;
} receiver_t;

static void free_receiver(uv_handle_t *handle) {
  free(handle->data);
}

/* Calls the JS callback with one number; a throw there becomes an uncaught exception, as in any libuv callback. */
static int deliver(receiver_t *r, double value) {
  napi_env env = r->env;
  napi_handle_scope scope;
  napi_value fn, recv, arg, ignored;
  int ok = 0;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return 0;
  if (napi_get_reference_value(env, r->callback, &fn) == napi_ok && napi_get_global(env, &recv) == napi_ok &&
      napi_create_double(env, value, &arg) == napi_ok) {
    napi_status st = napi_make_callback(env, r->async, recv, fn, 1, &arg, &ignored);
    if (st == napi_ok) {
      ok = 1;
    } else if (st == napi_pending_exception) {
      napi_value exc;
      if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
  return ok;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  receiver_t *r = handle->data;
  (void)events;
  if (status < 0) {
    deliver(r, (double)status);
    return;
  }
  for (int i = 0; i < MAX_DATAGRAMS_PER_WAKEUP && !r->closed; i++) {
    ssize_t n = recv(r->fd, r->data, r->capacity, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) deliver(r, -(double)errno);
      return;
    }
    if (!deliver(r, (double)n)) return;
  }
}

/*
 * receive(fd: number, buffer: Uint8Array, callback: (n: number) => void): handle
 * Reads each datagram into `buffer` and calls back with its length, or with a
 * negative errno when reading fails. The buffer is overwritten by the next one.
 */
static napi_value receive_start(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value arraybuffer, name, external;
  size_t offset;
  napi_valuetype kind;
  uv_loop_t *loop;
  receiver_t *r;

  if (!call_args(env, info, 3, argv, "receive(fd, buffer, callback) takes three arguments")) return NULL;
  if (!fd_arg(env, argv[0], &fd)) return NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array || length == 0) {
    napi_throw_type_error(env, NULL, "buffer must be a non-empty Uint8Array");
    return NULL;
  }
  if (napi_typeof(env, argv[2], &kind) != napi_ok || kind != napi_function) {
    napi_throw_type_error(env, NULL, "callback must be a function");
    return NULL;
  }
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, "event loop", EINVAL);
  r = calloc(1, sizeof *r);
  if (r == NULL) return throw_errno(env, "receive", ENOMEM);
  r->env = env;
  r->data = data;
  r->capacity = length;
  r->fd = fd;
  r->poll.data = r;
  if (napi_create_reference(env, argv[2], 1, &r->callback) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &r->buffer) != napi_ok ||
      napi_create_string_utf8(env, "ddhcpd:dhcp-receive", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &r->async) != napi_ok) {
    free(r);
    return throw_errno(env, "receive", ENOMEM);
  }
  int initialised = 0;
  int err = uv_poll_init(loop, &r->poll, fd);
  if (err == 0) {
    initialised = 1;
    err = uv_poll_start(&r->poll, UV_READABLE, on_readable);
  }
  if (err != 0) {
    napi_delete_reference(env, r->callback);
    napi_delete_reference(env, r->buffer);
    napi_async_destroy(env, r->async);
    /* An initialised handle belongs to the loop until its close callback has run. */
    if (initialised) uv_close((uv_handle_t *)&r->poll, free_receiver);
    else free(r);
    return throw_errno(env, "poll", -err);
  }
  if (napi_create_external(env, r, NULL, NULL, &external) != napi_ok) return NULL;
  return external;
}

/* closeReceiver(handle): stops reading and closes the fd; a second call does nothing. */
static napi_value receive_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *p = NULL;
  receiver_t *r;
  if (!call_args(env, info, 1, argv, "closeReceiver(handle) takes the handle receive() returned")) return NULL;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "closeReceiver(handle) takes the handle receive() returned");
    return NULL;
  }
  r = p;
  if (r->closed) return NULL;
  r->closed = 1;
  uv_poll_stop(&r->poll);
  close(r->fd);
  napi_delete_reference(env, r->callback);
  napi_delete_reference(env, r->buffer);
  napi_async_destroy(env, r->async);
  uv_close((uv_handle_t *)&r->poll, free_receiver);
  return NULL;
}

static int export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok) return 0;
  return napi_set_named_property(env, exports, name, fn) == napi_ok;
}

static napi_value init(napi_env env, napi_value exports) {
  if (!export_fn(env, exports, "bindToDevice", bind_to_device)) return NULL;
  if (!export_fn(env, exports, "sendTo", send_to)) return NULL;
  if (!export_fn(env, exports, "openUdp4", open_udp4)) return NULL;
  if (!export_fn(env, exports, "receive", receive_start)) return NULL;
  if (!export_fn(env, exports, "closeReceiver", receive_close)) return NULL;
  if (!export_fn(env, exports, "openArp", open_arp)) return NULL;
  if (!export_fn(env, exports, "hardwareAddress", hardware_address)) return NULL;
  if (!export_fn(env, exports, "sendArp", send_arp)) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
