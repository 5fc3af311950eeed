// The running program as the runtime sees it: its executable's symbols (file-locals by
// source file), build-id, where it is mapped, and where its thread-local block lies.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/elf_file.h"
#include "common/symbol_index.h"

namespace hotswap {

struct RunningImage {
  std::string path;
  std::unique_ptr<ElfFile> elf;
  std::unique_ptr<SymbolIndex> index;
  std::uint64_t bias = 0;   // load address minus link address
  std::uint64_t start = 0;  // lowest mapped address of the executable
  std::uint64_t end = 0;    // one past the highest
  bool has_tls = false;
  std::int64_t tls_offset = 0;  // thread-pointer offset of the executable's TLS block

  // Run-time address of a defined symbol; for a TLS symbol, its thread-pointer offset; for
  // an indirect function (GNU ifunc), the function its resolver chose.
  std::uint64_t address_of(const ElfSymbol& symbol) const;

  // The thread-pointer offset of a shared library's thread-local variable, as the dynamic
  // linker wrote it into the executable's GOT (R_X86_64_TPOFF64): nullopt when the
  // executable never uses that variable.
  std::optional<std::int64_t> library_tls_offset(const std::string& name) const;

  // GOT slots the dynamic linker filled: TPOFF64 by symbol name, IRELATIVE by resolver.
  std::map<std::string, std::uint64_t> tls_offset_slots;
  std::map<std::uint64_t, std::uint64_t> ifunc_slots;  // resolver link address -> slot
};

Expected<std::unique_ptr<RunningImage>> read_running_image();

}  // namespace hotswap
