// HTTP dates (RFC 9110 5.6.7): formatting IMF-fixdate and parsing it back.
#pragma once

#include <ctime>
#include <optional>
#include <string_view>

namespace httpd {

constexpr std::size_t kHttpDateLength = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"

// Writes the IMF-fixdate of `t` (UTC) into out[0, kHttpDateLength).
void format_http_date(std::time_t t, char* out);

// Parses an IMF-fixdate. The obsolete RFC 850 and asctime forms are not accepted: a
// conditional header in those forms is ignored, which only costs a full response.
std::optional<std::time_t> parse_http_date(std::string_view text);

// Writes the Common Log Format time "10/Oct/2000:13:55:36 -0700" (local time) into
// out[0, kLogDateLength).
constexpr std::size_t kLogDateLength = 26;
void format_log_date(std::time_t t, char* out);

}  // namespace httpd
