// Every form of state a release may change, held by one global: a derived class whose base
// changes, bit-fields, an enum whose underlying type grows, an anonymous union, and the
// standard containers (map values, optional, deque, list) and a C array of the class.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace geo {

enum class Color : std::uint8_t { kRed, kGreen };

struct Base {
  int tag = 0;
};

struct Shape : Base {
  Color color = Color::kRed;
  unsigned visible : 1 = 1;
  unsigned layer : 7 = 0;
  int sides = 0;
  union {
    int radius;
    float side;
  } size{};
  std::string label;
};

struct Canvas {
  std::map<std::string, Shape> named;
  std::optional<Shape> selected;
  std::deque<Shape> history;
  std::list<Shape> layers;
  Shape grid[4];
  long edits = 0;
};

extern Canvas g_canvas;
extern std::mutex g_mu;

void fill();
void draw(unsigned seed);
std::string audit();

}  // namespace geo
