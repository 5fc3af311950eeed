#include <string>

#include "callbacks.h"

static Callback s_old, s_old_file;  // taken by code that never changes
static Callback s_new;              // taken by whatever version runs "take"

std::string handle(const std::string& command) {
  if (command == "store") {
    s_old = &callback;
    s_old_file = file_callback_address();
    return "stored";
  }
  if (command == "compare") return compare(s_old, s_old_file);
  if (command == "take") {
    s_new = file_callback_address();
    return std::to_string(s_new == s_old_file);
  }
  if (command == "call") return std::to_string(s_old(1)) + " " + std::to_string(s_old_file(1)) + " " + std::to_string(s_new(1));
  return "unknown " + command;
}
