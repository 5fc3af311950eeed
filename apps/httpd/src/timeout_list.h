// Intrusive lists of connections ordered by when they started waiting. Every list has one
// fixed timeout, so its front is always the first to expire: appending, moving and expiring
// are O(1), with no timer heap and no allocation.
//
// Nodes are linked by descriptor, not by address: the lists hold no pointers, so a live
// update that moves the connections to a new type (new objects, new addresses) finds them
// valid as they are (README.md, "Live-update notes"). The worker resolves a descriptor to its
// connection (`node_of`).
#pragma once

#include <array>
#include <cstdint>

namespace httpd {

struct TimeoutNode {
  int prev = -1;  // descriptors; -1 at either end
  int next = -1;
  int list = -1;  // the list holding it (an index of TimeoutLists), -1: none
  std::int64_t since_ms = 0;
};

class TimeoutLists {
 public:
  static constexpr int kCount = 3;

  TimeoutLists() = default;
  explicit TimeoutLists(const std::array<int, kCount>& timeouts_ms) : timeout_ms_(timeouts_ms) {}

  // Moves the node of `fd` (from whichever list holds it) to the back of `list`, waiting
  // since `now_ms`. `node_of(fd)` is the TimeoutNode& of the connection on fd.
  template <class NodeOf>
  void push_back(int list, int fd, std::int64_t now_ms, NodeOf&& node_of) {
    remove(fd, node_of);
    TimeoutNode& node = node_of(fd);
    Ends& ends = ends_[list];
    node.list = list;
    node.since_ms = now_ms;
    node.prev = ends.back;
    node.next = -1;
    if (ends.back >= 0) {
      node_of(ends.back).next = fd;
    } else {
      ends.front = fd;
    }
    ends.back = fd;
  }

  template <class NodeOf>
  void remove(int fd, NodeOf&& node_of) {
    TimeoutNode& node = node_of(fd);
    if (node.list < 0) return;
    Ends& ends = ends_[node.list];
    if (node.prev >= 0) {
      node_of(node.prev).next = node.next;
    } else {
      ends.front = node.next;
    }
    if (node.next >= 0) {
      node_of(node.next).prev = node.prev;
    } else {
      ends.back = node.prev;
    }
    node.prev = node.next = node.list = -1;
  }

  // The descriptor that has waited longest in `list` if its time is up, else -1.
  template <class NodeOf>
  int first_expired(int list, std::int64_t now_ms, NodeOf&& node_of) const {
    int fd = ends_[list].front;
    if (fd < 0 || now_ms - node_of(fd).since_ms < timeout_ms_[list]) return -1;
    return fd;
  }

 private:
  struct Ends {
    int front = -1;
    int back = -1;
  };
  std::array<Ends, kCount> ends_{};
  std::array<int, kCount> timeout_ms_{};
};

}  // namespace httpd
