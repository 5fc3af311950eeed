// The time as the event loop sees it: read once per iteration, with the Date header and the
// access log's time formatted at most once per second.
#pragma once

#include <cstdint>
#include <ctime>
#include <string_view>

#include "http_date.h"

namespace httpd {

class Clock {
 public:
  Clock() { update(); }
  void update();
  std::int64_t now_ms() const { return now_ms_; }  // monotonic
  std::time_t wall_seconds() const { return wall_seconds_; }
  std::string_view http_date() const { return {http_date_, kHttpDateLength}; }
  std::string_view log_date();

 private:
  std::int64_t now_ms_ = 0;
  std::time_t wall_seconds_ = -1;
  std::time_t log_seconds_ = -1;
  char http_date_[kHttpDateLength];
  char log_date_[kLogDateLength];
};

}  // namespace httpd
