/*
 * ddhcpd's only native helper: bind a socket to one network device, and send a
 * DHCP reply without dgram's send machinery.
 * Node's dgram cannot do SO_BINDTODEVICE, and without it the DHCP socket would
 * answer on every interface (a rogue server on the WAN) and the mesh sockets
 * would hear other segments. dgram's send costs an address lookup, two ticks and
 * a request object per datagram, about 6 % of the daemon's CPU under load
 * (bench/RESULTS.md); one sendto() on the same socket does the same job.
 * Plain C and N-API only, so it cross-compiles for OpenWrt targets with the
 * target's cc and node's headers, no C++ runtime.
 */
#include <errno.h>
#include <stdio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <node_api.h>

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

/* bindToDevice(fd: number, ifname: string): void; an empty name unbinds. */
static napi_value bind_to_device(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  char name[IFNAMSIZ + 1];
  size_t len = 0;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    napi_throw_type_error(env, NULL, "bindToDevice(fd, ifname) takes two arguments");
    return NULL;
  }
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return NULL;
  }
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
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd;
  uint32_t ip;
  uint32_t port;
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buffer;
  size_t offset;
  struct sockaddr_in to;
  napi_value result;
  int err = 0;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_type_error(env, NULL, "sendTo(fd, bytes, ipv4, port) takes four arguments");
    return NULL;
  }
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return NULL;
  }
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "bytes must be a Uint8Array");
    return NULL;
  }
  if (napi_get_value_uint32(env, argv[2], &ip) != napi_ok || napi_get_value_uint32(env, argv[3], &port) != napi_ok || port > 65535) {
    napi_throw_type_error(env, NULL, "ipv4 must be a 32-bit number and port below 65536");
    return NULL;
  }
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  to.sin_addr.s_addr = htonl(ip);
  if (sendto(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&to, sizeof to) < 0) err = errno;
  if (napi_create_int32(env, err, &result) != napi_ok) return NULL;
  return result;
}

static int export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok) return 0;
  return napi_set_named_property(env, exports, name, fn) == napi_ok;
}

static napi_value init(napi_env env, napi_value exports) {
  if (!export_fn(env, exports, "bindToDevice", bind_to_device)) return NULL;
  if (!export_fn(env, exports, "sendTo", send_to)) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
