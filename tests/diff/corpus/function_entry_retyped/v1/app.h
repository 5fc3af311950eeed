#pragma once
// Function entries held in a changed class. One whose signature differs only in the changed
// class it names is carried (the update redirects the function); one retyped otherwise
// (int -> double) would call its function with the wrong registers: the generated
// transformer refuses it as a TODO, in both directions.
#include <map>
#include <vector>
namespace app {
struct Peer {
  int fd = 7;
  int ping(int x) { return x + fd; }
  int echo(Peer* other) { return other->fd; }
  int look(Peer* other) { return other->fd; }
};
inline int twice(int x) { return 2 * x; }
inline int count(Peer* p) { return p->fd; }
struct Route {
  int (Peer::*call)(int) = &Peer::ping;     // retyped: (int) -> (double)
  int (Peer::*peer)(Peer*) = &Peer::echo;   // names the changed class: carried
  int (Peer::*look)(Peer*) = &Peer::look;   // retyped: made const, names the changed class: carried
  int (*scale)(int) = &twice;               // retyped: (int) -> (long)
  int (*counter)(Peer*) = &count;           // names the changed class: carried
  std::vector<int (*)(int)> list{&twice};  // retyped: (int) -> (long), in a container
  int (*table[2])(Peer*) = {&count, &count};    // grows: its entries are alike, carried
  std::map<int, int (*)(Peer*)> by_id{{1, &count}};  // its key changes: entries alike, carried
};
}  // namespace app
