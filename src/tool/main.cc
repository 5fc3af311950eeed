// The `hotswap` command-line tool: build integration (record), patch making (pack, diff)
// and, through the control socket, patching running processes.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "common/control_protocol.h"
#include "tool/commands.h"
#include "tool/compiler_wrapper.h"
#ifdef HOTSWAP_HAVE_DIFF
#include "tool/diff/diff_command.h"
#endif

int main(int argc, char** argv) {
  // The compiler wrappers take the compiler's arguments as they are: `hotswap cc ARGS`,
  // `hotswap c++ ARGS`, or the tool run as hotswap-cc or hotswap-c++ (a single word, for
  // build systems whose CC must name one program).
  std::string self = argc > 0 ? argv[0] : "";
  self = self.substr(self.rfind('/') == std::string::npos ? 0 : self.rfind('/') + 1);
  if (self == "hotswap-cc" || self == "hotswap-c++")
    return hotswap::run_compiler_wrapper(self == "hotswap-cc" ? hotswap::SourceLanguage::kC : hotswap::SourceLanguage::kCxx,
                                         std::vector<std::string>(argv + 1, argv + argc));
  if (argc >= 2 && (std::strcmp(argv[1], "cc") == 0 || std::strcmp(argv[1], "c++") == 0))
    return hotswap::run_compiler_wrapper(argv[1][1] == 'c' ? hotswap::SourceLanguage::kC : hotswap::SourceLanguage::kCxx,
                                         std::vector<std::string>(argv + 2, argv + argc));

  CLI::App app{"hotswap: live updates of running C and C++ programs"};
  app.require_subcommand(1);
  // Shown in the help only: the wrappers are dispatched above, before any parsing.
  app.footer(
      "Compiler wrappers (docs/any-build.md): hotswap cc ARGS..., hotswap c++ ARGS... (or hotswap-cc, hotswap-c++)\n"
      "run the real compiler ($HOTSWAP_CC or cc, $HOTSWAP_CXX or c++) with the updateable flags, and write\n"
      "the build record when they link a program.");

  hotswap::FlagsOptions flags;
  auto* fl = app.add_subcommand("flags", "print the flags that make a build updateable (for builds that wire them)");
  fl->add_flag("--cflags", flags.cflags, "the compile flags");
  fl->add_flag("--ldflags", flags.ldflags, "the link flags: the runtime, its libraries, the link script, the build-id");
  fl->add_flag("--c", flags.c, "the program is linked by a C compiler driver (adds the C++ library)");
  fl->add_option("--compiler", flags.compiler, "gcc or clang (default: what cc is)")->check(CLI::IsMember({"gcc", "clang"}));
  fl->add_option("--source-root", flags.source_root, "the root object file names are relative to");

  hotswap::RecordOptions record;
  auto* rec = app.add_subcommand(
      "record", "write the build record of an updateable binary (run by the build)");
  rec->add_option("--binary", record.binary, "the linked binary")->required();
  rec->add_option("--compiler", record.compiler, "compiler id and version");
  rec->add_option("--flags", record.flags, "compiler flags of the build type");
  rec->add_option("--source-root", record.source_root,
                  "root the object file names are relative to");
  rec->add_option("--objects", record.objects, "the binary's object files");
  rec->add_option("--include-dir", record.include_dirs,
                  "an include directory of the build (repeatable): transform files include its headers")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  rec->add_option("--define", record.defines, "a definition of the build, NAME or NAME=VALUE (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

  hotswap::PackOptions pack;
  auto* pk =
      app.add_subcommand("pack", "make a patch from two builds and a list of changed functions");
  pk->add_option("old", pack.old_binary, "the running release's binary")->required();
  pk->add_option("new", pack.new_binary, "the next release's binary")->required();
  pk->add_option("-f,--function", pack.functions, "a changed function: NAME or FILE:NAME");
  pk->add_option("-s,--source", pack.sources,
                 "carry this whole translation unit (its STT_FILE name)");
  pk->add_option("-o,--output", pack.output, "the patch to write (.hsp)")->required();
  pk->add_flag("--json", pack.json, "print the manifest as JSON");

#ifdef HOTSWAP_HAVE_DIFF
  hotswap::DiffOptions diff;
  auto* df = app.add_subcommand("diff", "compare two builds and write the patch between them");
  df->add_option("old", diff.old_binary, "the running release's binary")->required();
  df->add_option("new", diff.new_binary, "the next release's binary")->required();
  df->add_option("-o,--output", diff.output, "the patch to write (.hsp)")->required();
  df->add_option("--transform", diff.transform,
                 "C++ file with the transformers and stubs to compile into the patch");
  df->add_flag("--json", diff.json, "print the result as JSON");
  df->add_option("--sign", diff.sign, "sign the patch with this secret key (hotswap keygen)");
#endif

  hotswap::KeygenOptions keygen;
  auto* kg = app.add_subcommand("keygen", "make an Ed25519 key pair for signing patches");
  kg->add_option("-o,--output", keygen.output, "the secret key's file; the public key goes to FILE.pub")->required();
  hotswap::SignOptions sign;
  auto* sg = app.add_subcommand("sign", "sign a patch in place");
  sg->add_option("patch", sign.patch, "the patch (.hsp)")->required();
  sg->add_option("--key", sign.key, "the secret key (hotswap keygen)")->required();
  hotswap::VerifyOptions verify;
  auto* vf = app.add_subcommand("verify", "check a patch's id and signature, as a process with a trust policy would");
  vf->add_option("patch", verify.patch, "the patch (.hsp)")->required();
  vf->add_option("--trusted-keys", verify.trusted_keys,
                 "a file of trusted public keys: the patch must be signed by one of them");

  // apply, status and revert take a pid, or with --all the binary whose processes to reach.
  hotswap::ControlOptions control;
  std::string target;
  bool all = false;
  hotswap::FleetOptions fleet;
  auto* ap = app.add_subcommand("apply", "apply a patch to a running process (or, with --all, to every process of a build)");
  ap->add_option("target", target, "the process (its pid), or with --all the binary")->required();
  ap->add_option("patch", control.patch, "the patch (.hsp)")->required();
  ap->add_flag("--no-wait", control.no_wait, "return once the patch is staged");
  ap->add_option("--limit", fleet.limit, "with --all: change at most N processes (a canary); the others are left")
      ->check(CLI::PositiveNumber);
  auto* st = app.add_subcommand("status", "show a running process's version chain (or, with --all, every process's)");
  auto* rv = app.add_subcommand("revert", "undo the last patch of a running process (or, with --all, of every process)");
  rv->add_option("--patch", control.only_patch,
                 "only if the last patch applied is this one (a patch file, or its id)");
  for (CLI::App* c : {ap, rv})
    c->add_option("--timeout", control.timeout_ms,
                  "milliseconds a patch that moves state waits for a safe moment (default: the process's, 5000)")
        ->check(CLI::Range(std::uint64_t{1}, hotswap::kMaxUpdateTimeoutMs));
  for (CLI::App* c : {st, rv}) c->add_option("target", target, "the process (its pid), or with --all the binary")->required();
  for (CLI::App* c : {ap, st, rv}) {
    c->add_flag("--all", all, "every process that runs the build of the binary given (by build-id)");
    c->add_option("--jobs", fleet.jobs, "with --all: requests at once (default 32)")->check(CLI::Range(1u, 1024u));
  }
  auto* lg = app.add_subcommand(
      "log", "show a running process's journal of commits, refusals and reverts");
  lg->add_option("pid", control.pid, "the process")->required();
  lg->add_option("--last", control.last, "only the newest N entries")->check(CLI::PositiveNumber);
  auto* ls = app.add_subcommand("list", "list this user's processes that run hotswap");
  for (CLI::App* c : {ap, st, rv, lg, ls}) c->add_flag("--json", control.json, "print JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : hotswap::kExitUsage;
  }
  if (rec->parsed()) return hotswap::run_record(record);
  if (fl->parsed()) return hotswap::run_flags(flags);
  if (pk->parsed()) return hotswap::run_pack(pack);
  if (kg->parsed()) return hotswap::run_keygen(keygen);
  if (sg->parsed()) return hotswap::run_sign(sign);
  if (vf->parsed()) return hotswap::run_verify(verify);
  for (CLI::App* c : {ap, st, rv})
    if (c->parsed() && all) {
      if (control.no_wait) {
        std::cerr << "hotswap apply --all: --no-wait is for one process; --all waits for every answer\n";
        return hotswap::kExitUsage;
      }
      fleet.command = c->get_name();
      fleet.binary = target;
      fleet.patch = c == rv ? control.only_patch : control.patch;
      fleet.timeout_ms = control.timeout_ms;
      fleet.json = control.json;
      return hotswap::run_fleet(fleet);
    }
  for (CLI::App* c : {ap, st, rv})
    if (c->parsed()) {
      bool digits = !target.empty() && target.size() <= 10 &&
                    target.find_first_not_of("0123456789") == std::string::npos;
      long pid = digits ? std::strtol(target.c_str(), nullptr, 10) : 0;
      if (!digits || pid <= 0 || pid > 0x3fffffff) {
        std::cerr << "hotswap " << c->get_name() << ": " << target
                  << " is not a pid (to reach every process of a binary, add --all)\n";
        return hotswap::kExitUsage;
      }
      if (fleet.limit || fleet.jobs) {
        std::cerr << "hotswap " << c->get_name() << ": --limit and --jobs go with --all\n";
        return hotswap::kExitUsage;
      }
      control.pid = static_cast<int>(pid);
    }
  for (CLI::App* c : {ap, st, rv, lg, ls})
    if (c->parsed()) {
      control.command = c->get_name();
      return hotswap::run_control(control);
    }
#ifdef HOTSWAP_HAVE_DIFF
  if (df->parsed()) return hotswap::run_diff(diff);
#endif
  return hotswap::kExitUsage;
}
