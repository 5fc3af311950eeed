#pragma once
#include <stdexcept>
#include <string>

struct ChainError : std::runtime_error {
  ChainError(const std::string& what, int code) : std::runtime_error(what), code(code) {}
  ~ChainError() override;  // key function: vtable and typeinfo live in errors.cpp
  int code;
};

int parse(int x);            // thrower.cpp: throws for x <= 0
int relay(int x);            // middle.cpp: calls parse with a guard on its frame
int depth();                 // middle.cpp: guards alive (0 once every unwind cleaned up)
std::string attempt(int x);  // catcher.cpp: catches what relay lets through
std::string totals();        // totals.cpp
std::string bump();          // report.cpp
