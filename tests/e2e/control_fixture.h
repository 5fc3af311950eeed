// What the control-plane end-to-end tests share: the `hotswap` tool run from the shell, a
// program with a runtime directory of its own, and raw bytes on its control socket.
#pragma once

#include <gtest/gtest.h>
#include <sys/un.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "process.h"

namespace control_e2e {

// A file of the `basic` program's build: "v1", "v1-v2.hsp", ...
std::string basic(const std::string& file);

struct ToolRun {
  int exit_code;
  std::string out;  // stdout and stderr together
};
ToolRun hotswap(const std::string& args);

bool contains(const std::string& s, const std::string& part);
int count(const std::string& s, const std::string& part);
double seconds_since(std::chrono::steady_clock::time_point start);

sockaddr_un unix_address(const std::string& path);
// A socket connected to `path`, or -1.
int connect_to(const std::string& path);
std::string read_to_end(int fd);
// Connects, sends raw bytes, and returns what comes back until the program closes.
std::string raw_exchange(const std::string& path, const std::string& bytes, bool close_write);
// The payload behind its 4-byte big-endian length.
std::string frame(const std::string& payload);

// Runs basic/v1 with its own $XDG_RUNTIME_DIR and $HOTSWAP_JOURNAL under dir_.
class Control : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::string socket_path() const;
  // The program still computes `compute` and answers `hotswap status`.
  void expect_serving(const std::string& compute);
  // Writes a file under dir_ and returns its path.
  std::string write(const std::string& name, const std::string& bytes);

  std::filesystem::path dir_;
  std::unique_ptr<Process> program_;
  std::string pid_;
};

}  // namespace control_e2e
