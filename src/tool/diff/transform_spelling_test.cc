#include "tool/diff/transform_spelling.h"

#include <gtest/gtest.h>

namespace hotswap::diff {
namespace {

TEST(TemplateInstance, SplitsTheArgumentsAtTheTopLevelOnly) {
  auto ring = template_instance("Ring<app::Box<int>, 4>");
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring->name, "Ring");
  EXPECT_EQ(ring->arguments, (std::vector<std::string>{"app::Box<int>", "4"}));
  auto pair = template_instance("Pair<std::map<int, long int>, (app::Color)1>");
  ASSERT_TRUE(pair);
  EXPECT_EQ(pair->arguments, (std::vector<std::string>{"std::map<int, long int>", "(app::Color)1"}));
  EXPECT_FALSE(template_instance("Session"));
  EXPECT_FALSE(template_instance("Broken<int"));
  EXPECT_FALSE(template_instance("Broken<int>>"));
}

TEST(TemplateInstance, IsSpelledFromTheGlobalScopeWithParametersOfTheSameKinds) {
  auto box = template_instance("Box<app::Item>");
  ASSERT_TRUE(box);
  EXPECT_EQ(template_parameters(*box), "template <class...>");
  EXPECT_EQ(specialization(*box), "Box<::app::Item>");
  auto ring = template_instance("Ring<app::Box<int>, 4UL>");  // Clang's suffix for a size_t
  ASSERT_TRUE(ring);
  EXPECT_EQ(template_parameters(*ring), "template <class, auto>");
  EXPECT_EQ(specialization(*ring), "Ring<::app::Box<int>, 4UL>");
  auto tally = template_instance("Tally<long int>");
  ASSERT_TRUE(tally);
  EXPECT_EQ(specialization(*tally), "Tally<long int>") << "fundamental types stay as they are";
  auto nested = template_instance("Outer<app::Box<int> >");
  ASSERT_TRUE(nested);
  EXPECT_EQ(specialization(*nested), "Outer<::app::Box<int> >") << "no >> token";
}

TEST(TemplateInstance, OnlyTheProgramsOwnTemplatesAreDeclaredInTheFile) {
  EXPECT_TRUE(declared_in_transform("app::Box<int>"));
  EXPECT_TRUE(declared_in_transform("app::Session"));
  EXPECT_FALSE(declared_in_transform("std::vector<app::Session>"));
  EXPECT_FALSE(declared_in_transform("app::Box<app::<lambda()> >"));
  EXPECT_FALSE(declared_in_transform("std::map<int, int>::node"));
}

}  // namespace
}  // namespace hotswap::diff
