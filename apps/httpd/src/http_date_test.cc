// IMF-fixdate formatting and parsing, and the access log's date.
#include "http_date.h"

#include <gtest/gtest.h>

#include <string>

namespace httpd {
namespace {

TEST(HttpDate, FormatsAndParsesImfFixdate) {
  char text[kHttpDateLength];
  format_http_date(784111777, text);
  EXPECT_EQ(std::string(text, kHttpDateLength), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
}

TEST(HttpDate, RefusesOtherForms) {
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun Nov  6 08:49:37 1994"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 36 Nov 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
  EXPECT_FALSE(parse_http_date(""));
}

TEST(HttpDate, LogDateShape) {
  char text[kLogDateLength];
  format_log_date(784111777, text);
  std::string s(text, kLogDateLength);
  EXPECT_EQ(s.size(), 26u);
  EXPECT_EQ(s[2], '/');
  EXPECT_EQ(s.substr(3, 3), "Nov");
  EXPECT_TRUE(s[21] == '+' || s[21] == '-');
}

}  // namespace
}  // namespace httpd
