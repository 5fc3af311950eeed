#include "canvas.h"

namespace geo {

Canvas g_canvas;
std::mutex g_mu;

namespace {

Shape make(int i) {
  Shape s;
  s.tag = i;
  s.color = i % 2 ? Color::kGreen : Color::kRed;
  s.layer = static_cast<unsigned>(i % 100);
  s.visible = i % 3 != 0;
  s.sides = 3 + i % 5;
  s.size.radius = 10 * i;
  s.label = "shape-" + std::to_string(i) + "-with-a-label-longer-than-the-small-buffer";
  return s;
}

// Every shape of the canvas, in a fixed order.
template <class F>
void each(F f) {
  for (auto& [name, s] : g_canvas.named) f(s);
  if (g_canvas.selected) f(*g_canvas.selected);
  for (auto& s : g_canvas.history) f(s);
  for (auto& s : g_canvas.layers) f(s);
  for (auto& s : g_canvas.grid) f(s);
}

}  // namespace

void fill() {
  std::lock_guard lock(g_mu);
  for (int i = 0; i < 8; ++i) g_canvas.named["n" + std::to_string(i)] = make(i);
  g_canvas.selected = make(20);
  for (int i = 0; i < 6; ++i) g_canvas.history.push_back(make(30 + i));
  for (int i = 0; i < 5; ++i) g_canvas.layers.push_back(make(40 + i));
  for (int i = 0; i < 4; ++i) g_canvas.grid[i] = make(50 + i);
  for (int i = 0; i < 5; ++i) g_canvas.strokes.push_back({60 + i});
  for (int i = 0; i < Palette::size(); ++i) g_canvas.swatches.push_back({70 + i});
  for (int i = 0; i < 3; ++i) g_canvas.tallies.push_back({0, i});
  g_canvas.mark = Tally<int>{5, 9};
}

void draw(unsigned seed) {
  std::lock_guard lock(g_mu);
  unsigned n = 0, pick = seed % 24;
  each([&](Shape& s) {
    if (n++ == pick) ++s.sides;
  });
  if (!g_canvas.strokes.empty()) ++g_canvas.strokes[seed % g_canvas.strokes.size()].width;
  ++g_canvas.tally.count;
  if (!g_canvas.tallies.empty()) ++g_canvas.tallies[seed % g_canvas.tallies.size()].count;
  ++g_canvas.edits;
}

// "v1 shapes 24 edits E sum ok|WRONG nested ok|WRONG templates ok|WRONG digest D": sides,
// the strokes' widths and the tallies grow by one per edit; the digest covers what no edit changes (tags, colours,
// bit-fields, radii, labels, the nested classes' fields).
std::string audit() {
  std::lock_guard lock(g_mu);
  long sides = 0, shapes = 0;
  unsigned long digest = 0;
  bool defaults = true;
  each([&](Shape& s) {
    ++shapes;
    defaults = defaults && s.scale == 1.5 && s.id == 7;
    sides += s.sides;
    digest = digest * 31 + static_cast<unsigned long>(s.tag) * 7 + static_cast<unsigned>(s.color) * 3 + s.visible +
             s.layer * 11 + static_cast<unsigned long>(s.size.radius) + s.label.size();
  });
  long widths = 0;
  for (const Canvas::Stroke& s : g_canvas.strokes) {
    widths += s.width;
    digest = digest * 31 + static_cast<unsigned long>(s.shape);
    defaults = defaults && s.opacity == 100;
  }
  for (const Palette::Swatch& s : g_canvas.swatches) {
    digest = digest * 31 + static_cast<unsigned long>(s.hue);
    defaults = defaults && s.alpha == 255;
  }
  bool nested = g_canvas.strokes.size() == 5 && g_canvas.swatches.size() == 3 && widths == 5 + g_canvas.edits;
  long counted = 0;
  for (const Tally<int>& t : g_canvas.tallies) {
    counted += t.count;
    digest = digest * 31 + static_cast<unsigned long>(t.resets);
    defaults = defaults && t.last == -1;
  }
  defaults = defaults && g_canvas.tally.last == -1;
  const auto* mark = std::get_if<Tally<int>>(&g_canvas.mark);
  defaults = defaults && mark && mark->last == -1;
  bool templates = g_canvas.tally.count == g_canvas.edits && counted == g_canvas.edits &&
                   g_canvas.tallies.size() == 3 && mark && mark->count == 5 && mark->resets == 9;
  long initial = 0;
  for (int i : {0, 1, 2, 3, 4, 5, 6, 7, 20, 30, 31, 32, 33, 34, 35, 40, 41, 42, 43, 44, 50, 51, 52, 53}) initial += 3 + i % 5;
  return "v2 shapes " + std::to_string(shapes) + " edits " + std::to_string(g_canvas.edits) + " sum " +
         (sides == initial + g_canvas.edits ? "ok" : "WRONG") + " nested " + (nested ? "ok" : "WRONG") +
         " templates " + (templates ? "ok" : "WRONG") + " digest " + std::to_string(digest) +
         (defaults ? " defaults ok" : " defaults WRONG");
}

}  // namespace geo
