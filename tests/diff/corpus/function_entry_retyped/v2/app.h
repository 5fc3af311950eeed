#pragma once
#include <map>
#include <vector>
namespace app {
struct Peer {
  int fd = 7;
  long added = 1;
  int ping(double x) { return static_cast<int>(x) + fd; }
  int echo(Peer* other) { return other->fd; }
  int look(Peer* other) const { return other->fd; }
};
inline int twice(long x) { return static_cast<int>(2 * x); }
inline int count(Peer* p) { return p->fd; }
struct Route {
  int (Peer::*call)(double) = &Peer::ping;
  int (Peer::*peer)(Peer*) = &Peer::echo;
  int (Peer::*look)(Peer*) const = &Peer::look;
  int (*scale)(long) = &twice;
  int (*counter)(Peer*) = &count;
  std::vector<int (*)(long)> list{&twice};
  int (*table[3])(Peer*) = {&count, &count, &count};
  std::map<long, int (*)(Peer*)> by_id{{1, &count}};
};
}  // namespace app
