// The running program as the runtime sees it: its executable's symbols (file-locals by
// source file), build-id, where it is mapped, and where its thread-local block lies.
#pragma once

#include <cstdint>
#include <memory>
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

  // Run-time address of a defined symbol; for a TLS symbol, its thread-pointer offset.
  std::uint64_t address_of(const ElfSymbol& symbol) const;
};

Expected<std::unique_ptr<RunningImage>> read_running_image();

}  // namespace hotswap
