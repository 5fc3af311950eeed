// Everything the runtime keeps between patches. Guarded by the runtime's mutex.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/image.h"
#include "runtime/linked_patch.h"
#include "runtime/private_memory.h"
#include "runtime/scope.h"

namespace hotswap {

struct RuntimeState {
  std::unique_ptr<RunningImage> image;
  std::unique_ptr<Scope> scope;
  AddressMap<std::uint64_t*> entry_slots;  // redirected entry -> its jump slot
  std::vector<std::unique_ptr<LinkedPatch>> applied;    // the version chain after the base
  // Counts commits and reverts: a staged patch was linked against one exact scope, and any
  // change since (even back to the same version) may have moved what it binds to.
  std::uint64_t generation = 0;
  std::uint64_t next_serial = 1;  // LinkedPatch::serial
  // By patch id: how large the migration tables of its last migration grew. A patch that
  // moves state is linked anew on every apply; its next migration reserves this much
  // before the threads are held (migrate.h).
  std::map<std::string, MigrationSizes> migration_sizes;

  std::vector<std::uint64_t> applied_serials() const {
    std::vector<std::uint64_t> out;
    for (const auto& p : applied) out.push_back(p->serial);
    return out;
  }

  std::string current_version() const {
    return applied.empty() ? image->elf->build_id() : applied.back()->file.manifest.target;
  }
};

}  // namespace hotswap
