// Release 2: a shape has a depth, and its area counts it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace art {

struct Shape {
  virtual ~Shape() = default;
  virtual std::string name() const { return "shape"; }
  virtual long area() const { return static_cast<long>(w) * h * depth; }
  int w = 2;
  int h = 3;
  int depth = 10;
  std::string label = "plain";
};

// Derived: an object of it behind a unique_ptr<Shape> cannot be rebuilt as a Shape.
struct Square : Shape {
  std::string name() const override { return "square"; }
};

extern Shape g_shape;
extern std::vector<std::unique_ptr<Shape>> g_shapes;
extern std::map<int, std::unique_ptr<Shape>> g_named;  // a node-based container of them
extern std::mutex g_mu;

void fill(int count);
void add_square();
void drop_squares();
void draw(unsigned seed);
std::string audit();

}  // namespace art
