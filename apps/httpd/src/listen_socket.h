// Listening sockets: "ADDR:PORT" parsing, and one SO_REUSEPORT socket per worker thread so
// that the kernel spreads connections without a shared accept queue.
#pragma once

#include <sys/socket.h>

#include <string>

#include "expected.h"

namespace httpd {

struct ListenAddress {
  sockaddr_storage address = {};
  socklen_t length = 0;
};

// "127.0.0.1:8080", "[::1]:8080", "*:8080" (all IPv4 addresses), "localhost" is not
// resolved (numeric addresses only).
Expected<ListenAddress> parse_listen_address(const std::string& text);

// A non-blocking listening socket with SO_REUSEADDR and SO_REUSEPORT.
Expected<int> open_listen_socket(const ListenAddress& address);

// The address a socket is bound to, as "ADDR:PORT" ("[v6]:PORT").
std::string bound_address(int fd);

// The peer of an accepted socket as text, for the access log.
std::string peer_text(const sockaddr_storage& peer);

}  // namespace httpd
