#include "shapes.h"

namespace art {

Shape g_shape;
std::vector<std::unique_ptr<Shape>> g_shapes;
std::map<int, std::unique_ptr<Shape>> g_named;
std::mutex g_mu;
long g_draws = 0;

void fill(int count) {
  std::lock_guard lock(g_mu);
  g_shape.label = "the-global-one";
  g_named[1] = std::make_unique<Shape>();
  g_named[2] = std::make_unique<Shape>();
  for (int i = 0; i < count; ++i) {
    auto s = std::make_unique<Shape>();
    s->w = i + 1;
    s->label = "shape-" + std::to_string(i);
    g_shapes.push_back(std::move(s));
  }
}

void add_square() {
  std::lock_guard lock(g_mu);
  g_shapes.push_back(std::make_unique<Square>());
}

void drop_squares() {
  std::lock_guard lock(g_mu);
  std::erase_if(g_shapes, [](const auto& s) { return s->name() == "square"; });
}

void draw(unsigned seed) {
  std::lock_guard lock(g_mu);
  if (!g_shapes.empty()) g_shapes[seed % g_shapes.size()]->h += 0;
  ++g_draws;
}

// "v1 shape 6 plain-the-global-one shapes 4 area 30 draws N": what the virtual functions say.
std::string audit() {
  std::lock_guard lock(g_mu);
  long total = 0;
  std::string names;
  for (const auto& s : g_shapes) {
    total += s->area();
    if (names.find(s->name()) == std::string::npos) names += (names.empty() ? "" : ",") + s->name();
  }
  for (const auto& [key, s] : g_named) total += s->area();
  return "v1 " + g_shape.name() + " " + std::to_string(g_shape.area()) + " " + g_shape.label + " shapes " +
         std::to_string(g_shapes.size()) + " " + names + " area " + std::to_string(total) + " draws " +
         std::to_string(g_draws);
}

}  // namespace art
