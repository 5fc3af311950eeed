#include "common/symbol_names.h"

#include <gtest/gtest.h>

namespace hotswap {
namespace {

TEST(SymbolNames, ParentsOfPartsAndClones) {
  EXPECT_EQ(parent_function("_Z5checki.cold"), "_Z5checki");
  EXPECT_EQ(parent_function("_ZL6lookupi.part.0"), "_ZL6lookupi");
  EXPECT_EQ(parent_function("_ZL5scaleii.constprop.0"), "_ZL5scaleii");
  EXPECT_EQ(parent_function("_ZL5totalRK4Pair.constprop.0.isra.0"), "_ZL5totalRK4Pair");
  EXPECT_EQ(parent_function("f.isra.0.cold"), "f");
  EXPECT_EQ(parent_function("_Z4mainv"), "");
  EXPECT_EQ(parent_function("_Z9coldStartv"), "");  // ".cold" must be a suffix of its own
}

TEST(SymbolNames, Fragments) {
  EXPECT_TRUE(is_fragment("_Z5checki.cold"));
  EXPECT_TRUE(is_fragment("f.cold.1"));
  EXPECT_FALSE(is_fragment("f.constprop.0"));
  EXPECT_EQ(fragment_owner("f.part.0.cold"), "f.part.0");
  EXPECT_EQ(fragment_owner("f"), "");
}

TEST(SymbolNames, NumberedStatics) {
  EXPECT_EQ(unnumbered_static("_ZZ8countersvE1n_0"), "_ZZ8countersvE1n");
  EXPECT_EQ(unnumbered_static("_ZZ8countersvE1n__12_"), "_ZZ8countersvE1n");
  EXPECT_EQ(unnumbered_static("_ZZ8countersvE1n"), "_ZZ8countersvE1n");
  EXPECT_EQ(unnumbered_static("count.2"), "count");
  EXPECT_EQ(unnumbered_static("g_total"), "g_total");
}

TEST(SymbolNames, DemangledBase) {
  EXPECT_EQ(demangled_base("_Z4areaii"), "area");
  EXPECT_EQ(demangled_base("_Z4areall"), "area");
  EXPECT_EQ(demangled_base("_ZN12_GLOBAL__N_14areaEii"), "(anonymous namespace)::area");
  EXPECT_EQ(demangled_base("main"), "main");
}

}  // namespace
}  // namespace hotswap
