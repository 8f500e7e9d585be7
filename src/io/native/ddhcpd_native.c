/*
 * ddhcpd's only native helper: bind a socket to one network device.
 * Node's dgram cannot do SO_BINDTODEVICE, and without it the DHCP socket would
 * answer on every interface (a rogue server on the WAN) and the mesh sockets
 * would hear other segments. Plain C and N-API only, so it cross-compiles for
 * OpenWrt targets with the target's cc and node's headers, no C++ runtime.
 */
#include <errno.h>
#include <stdio.h>
#include <net/if.h>
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

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "bindToDevice", NAPI_AUTO_LENGTH, bind_to_device, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "bindToDevice", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
