#include "tool/diff/report.h"

#include <gtest/gtest.h>

namespace hotswap::diff {
namespace {

TEST(LibraryInternal, TheClassItselfMustBeReserved) {
  EXPECT_TRUE(library_internal("std::__detail::__variant::_Variadic_union<app::Session>"));
  EXPECT_TRUE(library_internal("__gnu_cxx::__aligned_membuf<app::Session>"));
  EXPECT_TRUE(library_internal("std::_Rb_tree<int, std::pair<int const, app::S> >::_Rb_tree_impl<std::less<int> >"));
  // Containers the program chose, in the namespaces of libc++ and of the debug mode.
  EXPECT_FALSE(library_internal("std::__1::vector<app::Session, std::__1::allocator<app::Session> >"));
  EXPECT_FALSE(library_internal("std::__debug::vector<app::Session>"));
  EXPECT_FALSE(library_internal("std::__cxx11::list<app::Session>"));
  EXPECT_FALSE(library_internal("std::vector<std::__detail::_Node<int> >"));  // arguments do not count
  EXPECT_FALSE(library_internal("app::__Reserved"));                           // the program's own
}

}  // namespace
}  // namespace hotswap::diff
