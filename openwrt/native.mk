# Builds ddhcpd's two native helpers; shipped as native/Makefile in the release
# tarball. The feed build passes the target's compilers and node's headers from
# its staging dir; on a host, the defaults build for the host's node.
#   ddhcpd_native.node  our C helper (SO_BINDTODEVICE, the DHCP socket), N-API and
#                       libuv (uv.h from node's headers, or libuv's where node links it shared)
#   netlink.node        the npm `netlink` package's binding (C++, node-addon-api)

CC ?= cc
CXX ?= c++
CFLAGS ?= -O2
CXXFLAGS ?= -O2
LDFLAGS ?=
NODE_INCLUDE ?= /usr/include/node

all: ddhcpd_native.node netlink.node

ddhcpd_native.node: ddhcpd_native.c
	$(CC) $(CFLAGS) -Wall -shared -fPIC -I$(NODE_INCLUDE) -o $@ $< $(LDFLAGS)

# node-gyp would set these defines from the package's binding.gyp.
netlink.node: netlink/binding.cc
	$(CXX) $(CXXFLAGS) -std=c++17 -fexceptions -shared -fPIC \
		-DNODE_GYP_MODULE_NAME=netlink_binding -DNAPI_CPP_EXCEPTIONS \
		-I$(NODE_INCLUDE) -Inode-addon-api -o $@ $< $(LDFLAGS)

clean:
	rm -f ddhcpd_native.node netlink.node

.PHONY: all clean
