// Callbacks whose addresses old and new code both take: a function keeps one address
// (its entry in the running program) whichever version of the code takes it.
#include "callbacks.h"

int callback(int x) { return x + 1; }

static int file_callback(int x) { return x + 10; }

Callback file_callback_address() { return &file_callback; }

std::string compare(Callback stored, Callback stored_file) {
  return std::to_string(stored == &callback) + std::to_string(stored_file == &file_callback);
}
