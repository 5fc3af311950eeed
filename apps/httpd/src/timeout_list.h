// Intrusive lists of connections ordered by when they started waiting. Every list has one
// fixed timeout, so its front is always the first to expire: appending, moving and expiring
// are O(1), with no timer heap and no allocation.
#pragma once

#include <cstdint>

namespace httpd {

class TimeoutList;

struct TimeoutNode {
  TimeoutNode* prev = nullptr;
  TimeoutNode* next = nullptr;
  TimeoutList* list = nullptr;
  std::int64_t since_ms = 0;
};

class TimeoutList {
 public:
  explicit TimeoutList(int timeout_ms) : timeout_ms_(timeout_ms) {
    head_.prev = head_.next = &head_;
  }
  TimeoutList(const TimeoutList&) = delete;
  TimeoutList& operator=(const TimeoutList&) = delete;

  // Moves `node` (from whichever list holds it) to the back, waiting since `now_ms`.
  void push_back(TimeoutNode* node, std::int64_t now_ms) {
    remove(node);
    node->since_ms = now_ms;
    node->list = this;
    node->prev = head_.prev;
    node->next = &head_;
    head_.prev->next = node;
    head_.prev = node;
  }

  static void remove(TimeoutNode* node) {
    if (node->list == nullptr) return;
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->prev = node->next = nullptr;
    node->list = nullptr;
  }

  // The node that has waited longest if its time is up, else nullptr.
  TimeoutNode* first_expired(std::int64_t now_ms) const {
    TimeoutNode* node = head_.next;
    if (node == &head_ || now_ms - node->since_ms < timeout_ms_) return nullptr;
    return node;
  }

  // Iteration for shutdown: front() until it returns nullptr, removing as you go.
  TimeoutNode* front() const { return head_.next == &head_ ? nullptr : head_.next; }

 private:
  TimeoutNode head_;
  int timeout_ms_;
};

}  // namespace httpd
