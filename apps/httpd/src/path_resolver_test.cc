// Target decoding and normalization: the pure half of keeping requests inside the root.
#include "path_resolver.h"

#include <gtest/gtest.h>

#include <string>

#include "byte_buffer.h"

namespace httpd {
namespace {

struct Parsed {
  TargetError error;
  std::string path;
  bool directory_form = false;
  std::string query;
};

Parsed parse(const std::string& target) {
  std::string scratch(target.size() + 2, '\0');
  TargetPath out;
  Parsed p;
  p.error = parse_target(target, scratch.data(), &out);
  if (p.error == TargetError::kNone) {
    p.path = std::string(out.path);
    p.directory_form = out.directory_form;
    p.query = std::string(out.query);
    EXPECT_EQ(out.path.data()[out.path.size()], '\0');
  }
  return p;
}

TEST(ParseTarget, Normalizes) {
  EXPECT_EQ(parse("/").path, "");
  EXPECT_TRUE(parse("/").directory_form);
  EXPECT_EQ(parse("/a/b.txt").path, "a/b.txt");
  EXPECT_FALSE(parse("/a/b.txt").directory_form);
  EXPECT_EQ(parse("//a///b/").path, "a/b");
  EXPECT_TRUE(parse("//a///b/").directory_form);
  EXPECT_EQ(parse("/a/./b/../c").path, "a/c");
  EXPECT_EQ(parse("/a/b/..").path, "a");
  EXPECT_TRUE(parse("/a/b/..").directory_form);
  EXPECT_TRUE(parse("/a/.").directory_form);
  EXPECT_EQ(parse("/a%20b").path, "a b");
  EXPECT_EQ(parse("/a%2fb").path, "a/b");
  EXPECT_EQ(parse("/a..b/..c").path, "a..b/..c");
  EXPECT_EQ(parse("/x?y=1&z").query, "y=1&z");
  EXPECT_EQ(parse("/x?y=1").path, "x");
  EXPECT_EQ(parse("http://host:80/p/q").path, "p/q");
  EXPECT_EQ(parse("HTTPS://host").path, "");
}

TEST(ParseTarget, RefusesEscapesAndBadInput) {
  EXPECT_EQ(parse("/..").error, TargetError::kForbidden);
  EXPECT_EQ(parse("/../a").error, TargetError::kForbidden);
  EXPECT_EQ(parse("/a/../../b").error, TargetError::kForbidden);
  EXPECT_EQ(parse("/%2e%2e/a").error, TargetError::kForbidden);
  EXPECT_EQ(parse("/%2E%2E%2fa").error, TargetError::kForbidden);
  EXPECT_EQ(parse("/.%2e/").error, TargetError::kForbidden);
  EXPECT_EQ(parse("/a%00b").error, TargetError::kNotFound);
  EXPECT_EQ(parse("/a%").error, TargetError::kBadRequest);
  EXPECT_EQ(parse("/a%4").error, TargetError::kBadRequest);
  EXPECT_EQ(parse("/a%g0").error, TargetError::kBadRequest);
  EXPECT_EQ(parse("a").error, TargetError::kBadRequest);
  EXPECT_EQ(parse("*").error, TargetError::kBadRequest);
  EXPECT_EQ(parse("").error, TargetError::kBadRequest);
}

TEST(EncodePath, LeavesNoControlBytes) {
  ByteBuffer out;
  append_encoded_path(&out, std::string("a b/\r\n%\x7f\xff-._~", 13));
  EXPECT_EQ(out.view(), "a%20b/%0D%0A%25%7F%FF-._~");
}

}  // namespace
}  // namespace httpd
