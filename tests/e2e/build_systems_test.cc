// Programs built by their own build systems through the compiler wrappers (docs/any-build.md):
// a C program with a plain Makefile, built with `make CC="hotswap cc"`, and a C++ program
// with autotools, configured with CXX="hotswap c++", and with meson and ninja, CXX from the
// environment, each from checkouts of its consecutive
// releases in different folders, compared by `hotswap diff` and patched live. Nothing here
// names the runtime, the link script or the build record: the wrappers do.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "e2e_paths.h"
#include "process.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

std::string tool() { return HOTSWAP_TOOL; }

int shell(const std::string& command) { return std::system(command.c_str()); }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class MakeBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("hotswap-make-" + std::to_string(getpid()));
    fs::remove_all(work_);
    // A checkout per release: release N is release N-1 with release N's files.
    for (int n = 1; n <= 3; ++n) {
      fs::path dir = work_ / ("release-" + std::to_string(n));
      fs::create_directories(dir);
      for (int v = 1; v <= n; ++v)
        fs::copy(fs::path(MAKE_PROGRAMS) / "counter" / ("v" + std::to_string(v)), dir,
                 fs::copy_options::overwrite_existing | fs::copy_options::recursive);
    }
  }
  void TearDown() override { fs::remove_all(work_); }

  // `make CC="hotswap cc"` in a checkout: 0 when it built.
  int make(const std::string& release) {
    return shell("make -s -C " + (work_ / release).string() + " CC='" + tool() + " cc' > " +
                 (work_ / (release + ".log")).string() + " 2>&1");
  }

  fs::path work_;
};

}  // namespace

TEST_F(MakeBuild, APlainMakefileBuildsAnUpdateableCProgramThatTakesItsNextReleaseLive) {
  ASSERT_EQ(make("release-1"), 0) << read_file(work_ / "release-1.log");
  ASSERT_EQ(make("release-2"), 0) << read_file(work_ / "release-2.log");
  EXPECT_TRUE(fs::exists(work_ / "release-1" / "counter.hotswap.json")) << "the wrapper wrote the build record at link";
  std::string record = read_file(work_ / "release-1" / "counter.hotswap.json");
  EXPECT_NE(record.find("work.c"), std::string::npos) << record;

  const std::string patch = (work_ / "counter.hsp").string();
  const std::string log = (work_ / "diff.log").string();
  ASSERT_EQ(shell(tool() + " diff " + (work_ / "release-1" / "counter").string() + " " +
                  (work_ / "release-2" / "counter").string() + " -o " + patch + " > " + log + " 2>&1"),
            0)
      << "the two checkouts' records differ only in their paths: " << read_file(log);

  Process p((work_ / "release-1" / "counter").string());
  EXPECT_EQ(p.ask("work 5"), "10");
  EXPECT_EQ(p.ask("work 200"), "400");
  EXPECT_TRUE(starts_with(p.ask("apply " + patch), "ok applied")) << read_file(log);
  EXPECT_EQ(p.ask("work 5"), "15") << "the new code";
  EXPECT_EQ(p.ask("work 200"), "601") << "the new global counts from the update";
  EXPECT_EQ(p.ask("served"), "4") << "the old static kept its value";
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("work 5"), "10");
  EXPECT_EQ(p.quit(), 0);
}

TEST_F(MakeBuild, ASignatureChangeIsCalledThroughItsStubFromTheOldFrameThatNeverReturns) {
  // Release 3 gives work() a parameter (main() passes it), and a static helper of work.c one
  // too. main()'s loop never returns: it goes on running release 1's code, whose calls of
  // work(n) enter the old entry, now the stub, which calls the new work(n, 0). The helper
  // needs no stub: its only caller is in the patch.
  for (const char* release : {"release-1", "release-2", "release-3"})
    ASSERT_EQ(make(release), 0) << read_file(work_ / (std::string(release) + ".log"));
  auto bin = [&](int n) { return (work_ / ("release-" + std::to_string(n)) / "counter").string(); };
  const std::string p2 = (work_ / "r2.hsp").string(), p3 = (work_ / "patches" / "r3.hsp").string();
  const std::string log = (work_ / "diff.log").string();
  ASSERT_EQ(shell(tool() + " diff " + bin(1) + " " + bin(2) + " -o " + p2 + " > " + log + " 2>&1"), 0) << read_file(log);
  fs::create_directories(work_ / "patches");
  EXPECT_NE(shell(tool() + " diff " + bin(2) + " " + bin(3) + " -o " + p3 + " > " + log + " 2>&1"), 0)
      << "a signature change asks for the transform file's stub";
  std::string refusal = read_file(log);
  EXPECT_NE(refusal.find("needs the stub hotswap_stub_work"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("needs the stub hotswap_stub_reset"), std::string::npos) << "a return type that changed: " << refusal;
  EXPECT_NE(refusal.find("int scaled(int n)  ->  int scaled(int n, int factor)"), std::string::npos)
      << "the static helper is named, without a stub: " << refusal;
  const std::string transform = (work_ / "patches" / "transform.cpp").string();
  ASSERT_TRUE(fs::exists(transform)) << refusal;
  ASSERT_EQ(shell(tool() + " diff " + bin(2) + " " + bin(3) + " -o " + p3 + " --transform " + transform + " > " + log +
                  " 2>&1"),
            0)
      << "the generated stub, unedited: " << read_file(log);

  Process p(bin(1));
  EXPECT_EQ(p.ask("work 5"), "10");
  EXPECT_TRUE(starts_with(p.ask("apply " + p2), "ok applied"));
  EXPECT_EQ(p.ask("work 200"), "601");
  std::string applied = p.ask("apply " + p3);
  EXPECT_TRUE(starts_with(applied, "ok applied")) << applied;
  EXPECT_NE(applied.find("main keeps running the old code in the frame a thread is in (new calls run the new code)"),
            std::string::npos)
      << "main's loop is said to go on, not warned about: " << applied;
  EXPECT_EQ(p.ask("work 5"), "16") << "the stub passed 0 for the new parameter: the default factor, 3";
  EXPECT_EQ(p.ask("work 200"), "602");
  EXPECT_EQ(p.ask("served"), "4");
  // reset() went from void to long: the old loop calls it through its stub, which drops the
  // value; the count is reset by the new code.
  EXPECT_EQ(p.ask("reset"), "reset");
  EXPECT_EQ(p.ask("served"), "0");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("work 5"), "17") << "release 2's work(n) again, its old entry no longer a stub";
  EXPECT_EQ(p.ask("served"), "1");
  std::string again = p.ask("apply " + p3);
  EXPECT_TRUE(starts_with(again, "ok applied")) << "and again: " << again;
  EXPECT_EQ(again.find("main keeps running"), std::string::npos) << "said once: " << again;
  EXPECT_EQ(p.ask("work 5"), "17");
  // A patch that changes work() again, on top of the one that changed its signature, is
  // refused: the old entry (now the stub's) would be sent to the new-signature code.
  fs::path r4 = work_ / "release-4";
  fs::copy(work_ / "release-3", r4, fs::copy_options::recursive);
  ASSERT_EQ(shell("sed -i 's/scale ? scale : 3/scale ? scale : 4/' " + (r4 / "work.c").string()), 0);
  ASSERT_EQ(make("release-4"), 0) << read_file(work_ / "release-4.log");
  const std::string p4 = (work_ / "r4.hsp").string();
  ASSERT_EQ(shell(tool() + " diff " + bin(3) + " " + (r4 / "counter").string() + " -o " + p4 + " > " + log + " 2>&1"), 0)
      << read_file(log);
  std::string stacked = p.ask("apply " + p4);
  EXPECT_TRUE(starts_with(stacked, "refused")) << stacked;
  EXPECT_NE(stacked.find("changed its signature in an applied patch"), std::string::npos) << stacked;
  EXPECT_EQ(p.ask("work 5"), "17") << "nothing changed";
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("work 5"), "10");
  EXPECT_EQ(p.quit(), 0);
}

TEST_F(MakeBuild, ASignatureChangeWhoseCodeIsTheSameStillCarriesTheNewFunction) {
  // work() gains a parameter it does not use yet: its code may be the same, but the stub
  // calls the new one, so the patch must carry it (bound to the running one, whose entry
  // leads to the stub, the stub would call itself).
  fs::path r = work_ / "release-unused";
  fs::copy(work_ / "release-1", r, fs::copy_options::recursive);
  ASSERT_EQ(shell("cd " + r.string() + " && sed -i 's/int work(int n);/int work(int n, int unused);/' work.h && " +
                  "sed -i 's/int work(int n) {/int work(int n, int unused) {\\n  (void)unused;/' work.c && " +
                  "sed -i 's/work(atoi(line + 5))/work(atoi(line + 5), 0)/' main.c"),
            0);
  ASSERT_EQ(make("release-1"), 0) << read_file(work_ / "release-1.log");
  ASSERT_EQ(make("release-unused"), 0) << read_file(work_ / "release-unused.log");
  const std::string patch = (work_ / "p" / "u.hsp").string(), log = (work_ / "diff.log").string();
  fs::create_directories(work_ / "p");
  shell(tool() + " diff " + (work_ / "release-1" / "counter").string() + " " + (r / "counter").string() + " -o " + patch +
        " > " + log + " 2>&1");
  ASSERT_EQ(shell(tool() + " diff " + (work_ / "release-1" / "counter").string() + " " + (r / "counter").string() +
                  " -o " + patch + " --transform " + (work_ / "p" / "transform.cpp").string() + " > " + log + " 2>&1"),
            0)
      << read_file(log);
  EXPECT_NE(read_file(log).find("work: "), std::string::npos) << "work is in the patch: " << read_file(log);
  Process p((work_ / "release-1" / "counter").string());
  EXPECT_TRUE(starts_with(p.ask("apply " + patch), "ok applied"));
  EXPECT_EQ(p.ask("work 5"), "10") << "through the stub, into the new work";
  EXPECT_EQ(p.quit(), 0);
}

TEST_F(MakeBuild, ResponseFilesLanguageOptionsAndStandardInputAreUnderstood) {
  fs::path dir = work_ / "release-1";
  // A compile whose -c and output are in a response file is a compile, with its settings noted.
  std::ofstream(dir / "args.rsp") << "-O2 -I. '-DGREETING=\"hi there\"'\n-c work.c -o from-rsp.o\n";
  ASSERT_EQ(shell("cd " + dir.string() + " && " + tool() + " cc @args.rsp"), 0);
  EXPECT_TRUE(fs::exists(dir / "from-rsp.o"));
  std::string noted = read_file(dir / "from-rsp.o.hotswap-flags");
  EXPECT_NE(noted.find("D GREETING=\"hi there\""), std::string::npos) << noted;
  // -x applies to what follows it; a program read from standard input (configure probes so).
  ASSERT_EQ(shell("cd " + dir.string() + " && printf 'int main(void) { return 0; }\\n' | " + tool() +
                  " cc -x c - -o from-stdin 2> stdin.log && ./from-stdin"),
            0)
      << read_file(dir / "stdin.log");
  ASSERT_EQ(shell("cd " + dir.string() + " && cp main.c main.inc && " + tool() +
                  " cc -I. -x c main.inc -x none work.c vendor.c -o from-x 2> x.log"),
            0)
      << read_file(dir / "x.log");
  // A compiler that is the wrapper again is refused, not run without end.
  EXPECT_NE(shell("cd " + dir.string() + " && HOTSWAP_CC=" + tool() + "-cc " + tool() + " cc -c work.c -o w.o 2> loop.log"),
            0);
  EXPECT_NE(read_file(dir / "loop.log").find("runs the wrapper again"), std::string::npos) << read_file(dir / "loop.log");
}

TEST_F(MakeBuild, AChangeInCodeBuiltWithoutTheFlagsIsNamedNotSkipped) {
  // vendor.c is built with the plain compiler (the Makefile's VENDOR_CC), as a vendored
  // library is: its functions have no patchable entry. A release that changes it is refused,
  // naming the function and why.
  fs::path vendored = work_ / "release-vendor";
  fs::copy(work_ / "release-1", vendored, fs::copy_options::recursive);
  std::ofstream(vendored / "vendor.c", std::ios::trunc)
      << "#include \"vendor.h\"\nint vendor_checksum(int n) { return (n * 37) % 1000; }\n";
  ASSERT_EQ(make("release-1"), 0) << read_file(work_ / "release-1.log");
  ASSERT_EQ(make("release-vendor"), 0) << read_file(work_ / "release-vendor.log");
  const std::string log = (work_ / "diff.log").string();
  EXPECT_NE(shell(tool() + " diff " + (work_ / "release-1" / "counter").string() + " " + (vendored / "counter").string() +
                  " -o " + (work_ / "v.hsp").string() + " > " + log + " 2>&1"),
            0);
  std::string refusal = read_file(log);
  EXPECT_NE(refusal.find("have no patchable entry"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("vendor_checksum"), std::string::npos) << refusal;
  EXPECT_FALSE(fs::exists(work_ / "v.hsp"));
}

TEST_F(MakeBuild, FlagsPrintsWhatAHandWiredBuildAdds) {
  std::string out = (work_ / "flags").string();
  ASSERT_EQ(shell(tool() + " flags --cflags --compiler gcc --source-root /src > " + out), 0);
  std::string cflags = read_file(out);
  for (const char* flag : {"-fpatchable-function-entry=16,14", "-ffunction-sections", "-fdata-sections",
                           "-ffile-prefix-map=/src/=", "-fno-ipa-icf", "-I"})
    EXPECT_NE(cflags.find(flag), std::string::npos) << flag << " in " << cflags;
  ASSERT_EQ(shell(tool() + " flags --ldflags --c > " + out), 0);
  std::string ldflags = read_file(out);
  for (const char* flag : {"-Wl,--build-id=sha1", "-Wl,-T,", "libhotswap.a", "-lelf", "-ldw", "-lstdc++"})
    EXPECT_NE(ldflags.find(flag), std::string::npos) << flag << " in " << ldflags;
  ASSERT_EQ(shell(tool() + " flags --cflags --compiler clang > " + out), 0);
  EXPECT_EQ(read_file(out).find("-fno-ipa-icf"), std::string::npos) << "GCC's alone";
}

namespace {

class AutotoolsBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("hotswap-autotools-" + std::to_string(getpid()));
    fs::remove_all(work_);
    for (int n = 1; n <= 2; ++n) {
      fs::path dir = work_ / ("release-" + std::to_string(n));
      fs::create_directories(dir);
      for (int v = 1; v <= n; ++v)
        fs::copy(fs::path(AUTOTOOLS_PROGRAMS) / "greeter" / ("v" + std::to_string(v)), dir,
                 fs::copy_options::overwrite_existing | fs::copy_options::recursive);
    }
  }
  void TearDown() override { fs::remove_all(work_); }

  // autoreconf, ./configure CXX="hotswap c++", make: 0 when it built. Temporary files go to
  // a folder of the test's own, to see that the probes leave none.
  int build(const std::string& release) {
    fs::path dir = work_ / release;
    fs::create_directories(work_ / "tmp");
    return shell("cd " + dir.string() + " && export TMPDIR=" + (work_ / "tmp").string() +
                 " && autoreconf -i && ./configure CXX='" + tool() + " c++' && make > " +
                 (work_ / (release + ".log")).string() + " 2>&1");
  }

  fs::path work_;
};

}  // namespace

// The same program with meson: the compiler from the environment, the build in a folder of
// its own below the checkout (sources named ../src/...).
class MesonBuild : public AutotoolsBuild {
 protected:
  int build(const std::string& release) {
    fs::path dir = work_ / release;
    fs::copy_file(fs::path(MESON_PROGRAMS) / "greeter" / "meson.build", dir / "meson.build",
                  fs::copy_options::overwrite_existing);
    return shell("cd " + dir.string() + " && CXX='" + tool() + " c++' meson setup build > " +
                 (work_ / (release + ".log")).string() + " 2>&1 && ninja -C build >> " +
                 (work_ / (release + ".log")).string() + " 2>&1");
  }
};

TEST_F(MesonBuild, AMesonCxxProgramTakesItsNextReleaseLive) {
  for (const char* release : {"release-1", "release-2"})
    ASSERT_EQ(build(release), 0) << read_file(work_ / (std::string(release) + ".log"));
  const std::string patch = (work_ / "greeter.hsp").string(), log = (work_ / "diff.log").string();
  ASSERT_EQ(shell(tool() + " diff " + (work_ / "release-1" / "build" / "greeter").string() + " " +
                  (work_ / "release-2" / "build" / "greeter").string() + " -o " + patch + " > " + log + " 2>&1"),
            0)
      << read_file(log);
  Process p((work_ / "release-1" / "build" / "greeter").string());
  EXPECT_EQ(p.ask("greet bo"), "hello bo");
  EXPECT_TRUE(starts_with(p.ask("apply " + patch), "ok applied"));
  EXPECT_EQ(p.ask("greet bo"), "hello, bo!");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.quit(), 0);
}

TEST_F(AutotoolsBuild, AConfiguredCxxProgramTakesItsNextReleaseLive) {
  for (const char* release : {"release-1", "release-2"})
    ASSERT_EQ(build(release), 0) << read_file(work_ / (std::string(release) + ".log"));
  for (const char* probe : {"a.out.hotswap.json", "a.out.hotswap-units"})
    EXPECT_FALSE(fs::exists(work_ / "release-1" / probe)) << "configure's probes leave nothing behind";
  std::string left;
  for (const auto& entry : fs::directory_iterator(work_ / "tmp"))
    if (entry.path().filename().string().rfind("hotswap-probe.", 0) == 0) left += " " + entry.path().string();
  EXPECT_EQ(left, "") << "the probes' objects are removed";
  const std::string patch = (work_ / "greeter.hsp").string(), log = (work_ / "diff.log").string();
  ASSERT_EQ(shell(tool() + " diff " + (work_ / "release-1" / "greeter").string() + " " +
                  (work_ / "release-2" / "greeter").string() + " -o " + patch + " > " + log + " 2>&1"),
            0)
      << read_file(log);
  EXPECT_NE(read_file(log).find("greeter::greet"), std::string::npos) << read_file(log);
  Process p((work_ / "release-1" / "greeter").string());
  EXPECT_EQ(p.ask("greet ann"), "hello ann");
  EXPECT_TRUE(starts_with(p.ask("apply " + patch), "ok applied"));
  EXPECT_EQ(p.ask("greet ann"), "hello, ann!");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("greet ann"), "hello ann");
  EXPECT_EQ(p.quit(), 0);
}
