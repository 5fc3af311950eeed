// Release 2: the base gains an id, the colour a third value and a wider type, the layer
// bit-field two more bits, sides become a long and a shape has a scale.
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

enum class Color : std::uint16_t { kRed, kGreen, kBlue };

struct Base {
  int tag = 0;
  long id = 7;
};

struct Shape : Base {
  Color color = Color::kRed;
  unsigned visible : 1 = 1;
  unsigned layer : 9 = 0;
  long sides = 0;
  double scale = 1.5;
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
  long last = -1;  // new
};

// A class that does not change, with a nested class that does.
struct Palette {
  struct Swatch {
    int hue = 0;
    int alpha = 255;  // new
  };
  static int size() { return 3; }
};

struct Canvas {
  // A nested class that changes with the class it is nested in.
  struct Stroke {
    int shape = 0;
    int width = 1;
    int opacity = 100;  // new
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
