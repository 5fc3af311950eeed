// A test program run as a child process, driven one line at a time (harness/driver.cpp).
#pragma once

#include <sys/types.h>

#include <string>

class Process {
 public:
  explicit Process(const std::string& path);
  // Runs the program as another user (uid and gid `uid`, no supplementary groups); the
  // caller must be root.
  Process(const std::string& path, uid_t uid);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Sends one command and returns the one-line answer ("<eof>" if the program died,
  // "<timeout>" if it did not answer within 20 s).
  std::string ask(const std::string& command);
  bool alive();
  // Sends "quit" and waits for the program to exit: its exit code, or 128 + the signal
  // that ended it (a crash in its exit-time destructors shows here).
  int quit();

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
};
