#pragma once
// A pointer to a member function of a changed class without virtual functions or bases is
// the function's entry (which the update redirects) and no adjustment: carried as it is,
// in a migrated datum and in one bound to the running instance.
namespace app {
struct Peer {
  long added = 1;
  int fd = 7;
  int ping(int x) { return x + fd; }
};
struct Route {
  int id = 1;
  int more = 2;
  int (Peer::*call)(int) = &Peer::ping;
};
}  // namespace app
