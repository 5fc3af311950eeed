#pragma once
// A pointer to a data member of a class whose layout changes holds an offset in the old
// layout: no transformer can tell which member it names, bound or migrated. Refused.
namespace app {
struct Peer {
  int fd = 7;
};
struct Route {
  int Peer::*field = &Peer::fd;
};
}  // namespace app
