#pragma once
namespace app {
// A class with a destructor of its own (it closes its descriptor): a failed migration's new
// connection, which holds a copy of the old one's socket, must not be destroyed. Buffer's
// destructor is defaulted in the class: not the program's own.
struct Socket {
  int fd = -1;
  ~Socket();
};
struct Buffer {
  int used = 0;
  ~Buffer() = default;
};
struct Conn {
  Socket socket;
  int requests = 0;
  long bytes = 0;  // new
};
struct Queue {
  Buffer buffer;
  int depth = 0;
  long peak = 0;  // new
};
}  // namespace app
