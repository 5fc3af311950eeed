#pragma once
// Pointers to members, through typedefs: 16 bytes to a member function, 8 to a data member
// (DWARF gives them no size). The old layout spells them as C++ does, `int (Peer::*)(int)
// const`, with no typedef.
namespace app {
struct Peer {
  int fd = 0;
  int ping(int x) { return x + fd; }
  int pong(int x) const { return x - fd; }
  int pure(int x) noexcept { return x * fd; }
  int moved(int x) && { return x; }
};
typedef int (Peer::*peer_method)(int);
typedef int Peer::*peer_field;
struct Session {
  int id = 0;
  peer_method pm = &Peer::ping;
  peer_field pf = &Peer::fd;
  int (Peer::*pc)(int) const = &Peer::pong;
  int Peer::*pd = &Peer::fd;
  int (Peer::*pn)(int) noexcept = &Peer::pure;  // DWARF records neither noexcept nor &&
  int (Peer::*pr)(int) && = &Peer::moved;
};
}  // namespace app
