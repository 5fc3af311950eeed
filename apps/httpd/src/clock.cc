// Coarse clocks are enough for timeouts and dates, and cost no system call.
#include "clock.h"

namespace httpd {

void Clock::update() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  now_ms_ = static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  if (ts.tv_sec != wall_seconds_) {
    wall_seconds_ = ts.tv_sec;
    format_http_date(wall_seconds_, http_date_);
  }
}

std::string_view Clock::log_date() {
  if (log_seconds_ != wall_seconds_) {
    log_seconds_ = wall_seconds_;
    format_log_date(log_seconds_, log_date_);
  }
  return {log_date_, kLogDateLength};
}

}  // namespace httpd
