#include "common/manifest.h"

#include <gtest/gtest.h>

namespace hotswap {
namespace {

Manifest sample() {
  Manifest m;
  m.patch_id = "0123456789abcdef";
  m.base = "aa";
  m.target = "bb";
  ManifestFunction changed;
  changed.symbol = {"_Z1fv", ""};
  changed.old_hash = "h1";
  changed.old_mask = {{3, 4}, {10, 8}};
  changed.old_size = 42;
  changed.new_hash = "h2";
  changed.reason = "code differs";
  m.functions.push_back(changed);
  ManifestFunction added;
  added.symbol = {"_ZL6helperv", "main.cpp"};
  added.kind = ManifestFunction::Kind::kNew;
  added.new_hash = "h3";
  m.functions.push_back(added);
  m.data.push_back({{"g_new", ""}, ManifestData::Kind::kNew, {}});
  m.data.push_back({{"_ZZ1fvE1n_0", "a.cpp"}, ManifestData::Kind::kBind, {"_ZZ1fvE1n", "a.cpp"}});
  return m;
}

TEST(Manifest, RoundTrips) {
  Manifest m = sample();
  auto parsed = parse_manifest(serialize_manifest(m));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->base, "aa");
  ASSERT_EQ(parsed->functions.size(), 2u);
  EXPECT_EQ(parsed->functions[0].symbol, (SymbolRef{"_Z1fv", ""}));
  EXPECT_EQ(parsed->functions[0].old_size, 42u);
  ASSERT_EQ(parsed->functions[0].old_mask.size(), 2u);
  EXPECT_EQ(parsed->functions[0].old_mask[1].offset, 10u);
  EXPECT_EQ(parsed->functions[0].old_mask[1].width, 8u);
  EXPECT_EQ(parsed->functions[1].symbol.file, "main.cpp");
  EXPECT_EQ(parsed->functions[1].kind, ManifestFunction::Kind::kNew);
  ASSERT_EQ(parsed->data.size(), 2u);
  EXPECT_EQ(parsed->data[1].bind_to.name, "_ZZ1fvE1n");
}

TEST(Manifest, RefusesWhatIsNotAManifest) {
  for (const char* text : {"", "not json", "[]", "{}", "{\"format\": \"1\"}", "{\"format\": 1}",
                           "{\"format\": 1, \"patch_id\": \"x\", \"base\": 5, \"target\": \"t\"}",
                           "{\"format\": 1, \"patch_id\": \"x\", \"base\": \"b\", \"target\": \"t\", \"functions\": 3}",
                           "{\"format\": 1, \"patch_id\": \"x\", \"base\": \"b\", \"target\": \"t\", "
                           "\"functions\": [{\"name\": \"f\", \"kind\": \"changed\"}]}",
                           "{\"format\": 1, \"patch_id\": \"x\", \"base\": \"b\", \"target\": \"t\", "
                           "\"functions\": [{\"name\": \"f\", \"kind\": \"moved\"}]}",
                           "{\"format\": 1, \"patch_id\": \"x\", \"base\": \"b\", \"target\": \"t\", "
                           "\"data\": [{\"name\": \"d\", \"kind\": \"bind\"}]}"}) {
    auto parsed = parse_manifest(text);
    EXPECT_FALSE(parsed) << text;
    if (!parsed) {
      EXPECT_FALSE(parsed.error().message.empty());
    }
  }
}

TEST(Manifest, FutureFormatIsRefusedWithItsNumber) {
  auto parsed = parse_manifest("{\"format\": 2, \"patch_id\": \"x\", \"base\": \"b\", \"target\": \"t\"}");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("format 2"), std::string::npos);
}

}  // namespace
}  // namespace hotswap
