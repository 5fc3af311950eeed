#include "arch/x86_64/relocations.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>

namespace hotswap::x86_64 {
namespace {

TEST(Relocations, EveryKindTheCompilersEmitIsClassified) {
  for (std::uint32_t type : {R_X86_64_64, R_X86_64_PC32, R_X86_64_PLT32, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX,
                             R_X86_64_REX_GOTPCRELX, R_X86_64_32, R_X86_64_32S, R_X86_64_PC64, R_X86_64_GOTTPOFF,
                             R_X86_64_TPOFF32, R_X86_64_TPOFF64, R_X86_64_SIZE32, R_X86_64_SIZE64,
                             R_X86_64_GOTOFF64, R_X86_64_GOTPC32, R_X86_64_GOTPC64})
    EXPECT_NE(classify(type), RelocClass::kUnsupported) << relocation_name(type);
}

TEST(Relocations, DynamicTlsIsRefusedByName) {
  EXPECT_EQ(classify(R_X86_64_TLSGD), RelocClass::kUnsupported);
  unsigned char field[8] = {};
  Status s = write_relocation(R_X86_64_TLSGD, field, 0, ".text.f+0x10 against tls_var");
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("R_X86_64_TLSGD"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(".text.f+0x10"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("-fPIC"), std::string::npos) << s.message();
}

TEST(Relocations, Pc32WritesSignedDisplacementAndRefusesOverflow) {
  unsigned char field[4] = {};
  ASSERT_TRUE(write_relocation(R_X86_64_PC32, field, -8, "x"));
  std::int32_t v;
  std::memcpy(&v, field, 4);
  EXPECT_EQ(v, -8);
  EXPECT_FALSE(write_relocation(R_X86_64_PC32, field, (1LL << 31), "x"));
  EXPECT_FALSE(write_relocation(R_X86_64_PLT32, field, -(1LL << 31) - 1, "x"));
}

TEST(Relocations, Absolute32ZeroExtendsAnd32SSignExtends) {
  unsigned char field[4] = {};
  EXPECT_TRUE(write_relocation(R_X86_64_32, field, 0xffffffffLL, "x"));
  EXPECT_FALSE(write_relocation(R_X86_64_32, field, -1, "x"));
  EXPECT_TRUE(write_relocation(R_X86_64_32S, field, -1, "x"));
  EXPECT_FALSE(write_relocation(R_X86_64_32S, field, 0xffffffffLL, "x"));
}

TEST(Relocations, SixtyFourBitKindsWriteEightBytes) {
  unsigned char field[8] = {};
  ASSERT_TRUE(write_relocation(R_X86_64_64, field, 0x1122334455667788LL, "x"));
  std::uint64_t v;
  std::memcpy(&v, field, 8);
  EXPECT_EQ(v, 0x1122334455667788ULL);
}

TEST(Relocations, ReachOfPc32) {
  EXPECT_TRUE(within_pc32(0x1000, 0x1000ULL + 0x7fffffffULL));
  EXPECT_FALSE(within_pc32(0x1000, 0x1000 + 0x80000000ULL));
  EXPECT_TRUE(within_pc32(0x80001000ULL, 0x1000));
}

}  // namespace
}  // namespace hotswap::x86_64
