// Every form of state a release may change, held by one global: a derived class whose base
// changes, bit-fields, an enum whose underlying type grows, an anonymous union, and the
// standard containers (map values, optional, deque, list) and a C array of the class,
// nested classes, and instances of a class template, one held in a std::variant.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

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

// A class template of the program whose instances change.
template <class T>
struct Tally {
  T count{};
  int resets = 0;
};

// A class that does not change, with a nested class that does.
struct Palette {
  struct Swatch {
    int hue = 0;
  };
  static int size() { return 3; }
};

struct Canvas {
  // A nested class that changes with the class it is nested in.
  struct Stroke {
    int shape = 0;
    int width = 1;
  };
  std::vector<Stroke> strokes;
  std::vector<Palette::Swatch> swatches;
  Tally<long> tally;
  std::deque<Tally<int>> tallies;
  std::variant<long, Tally<int>> mark;
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
