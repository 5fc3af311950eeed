// Conditional-request and Range header evaluation.
#include "preconditions.h"

#include <gtest/gtest.h>

namespace httpd {
namespace {

TEST(Preconditions, IfNoneMatch) {
  EXPECT_TRUE(none_match_hits("\"a\"", "\"a\""));
  EXPECT_TRUE(none_match_hits(" \"b\" , W/\"a\"", "\"a\""));
  EXPECT_TRUE(none_match_hits("*", "\"a\""));
  EXPECT_FALSE(none_match_hits("\"ab\"", "\"a\""));
  EXPECT_FALSE(none_match_hits("", "\"a\""));
}

TEST(Preconditions, IfModifiedSince) {
  EXPECT_TRUE(not_modified_since("Sun, 06 Nov 1994 08:49:37 GMT", 784111777));
  EXPECT_FALSE(not_modified_since("Sun, 06 Nov 1994 08:49:36 GMT", 784111777));
  EXPECT_FALSE(not_modified_since("Sunday, 06-Nov-94 08:49:37 GMT", 1));
}

TEST(Preconditions, IfRange) {
  EXPECT_TRUE(if_range_holds("\"a\"", "\"a\"", "date"));
  EXPECT_FALSE(if_range_holds("W/\"a\"", "\"a\"", "date"));
  EXPECT_TRUE(if_range_holds("date", "\"a\"", "date"));
  EXPECT_FALSE(if_range_holds("other", "\"a\"", "date"));
}

TEST(Preconditions, Ranges) {
  ByteRange r;
  EXPECT_EQ(parse_range("bytes=0-9", 100, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(parse_range("bytes=90-", 100, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(parse_range("bytes=-5", 100, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.first, 95u);
  EXPECT_EQ(parse_range("bytes=-500", 100, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 100u);
  EXPECT_EQ(parse_range("bytes=50-500", 100, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.length, 50u);
  EXPECT_EQ(parse_range("bytes=100-", 100, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 100, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-0", 0, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=5-1", 100, &r), RangeResult::kIgnore);
  EXPECT_EQ(parse_range("bytes=0-1,3-4", 100, &r), RangeResult::kIgnore);
  EXPECT_EQ(parse_range("bytes=a-b", 100, &r), RangeResult::kIgnore);
  EXPECT_EQ(parse_range("bytes=99999999999999999999-", 100, &r), RangeResult::kIgnore);
  EXPECT_EQ(parse_range("items=0-1", 100, &r), RangeResult::kIgnore);
  EXPECT_EQ(parse_range("bytes=-", 100, &r), RangeResult::kIgnore);
}

}  // namespace
}  // namespace httpd
