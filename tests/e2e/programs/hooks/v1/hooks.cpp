// A changed class whose members of unchanged types (a std::function, a table of function
// pointers, an owned object with virtual functions) are carried whole by the update, both
// ways. Release 2 points them at code and classes only it has: a revert is refused while
// they do, since the old release would call the new code.
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace app {
struct Shape {
  virtual ~Shape() = default;
  virtual long sides() const { return 0; }
};
struct Triangle : Shape {
  long sides() const override { return 3; }
};
long one() { return 1; }

struct Hooks {
  std::function<long()> rule;
  std::vector<long (*)()> table;
  std::unique_ptr<Shape> shape;
  std::shared_ptr<void> token;  // owns something of no class: nothing to look into
  long count = 0;
};
}  // namespace app

app::Hooks g_hooks;
void start_parked(long (*f)());  // main.cpp
thread_local long (*t_hook)() = nullptr;  // a thread's own callback
void* g_trace = nullptr;                  // where set_hooks was last called from

[[gnu::noinline]] void trace() { g_trace = __builtin_return_address(0); }

std::string describe_hooks() {
  long table = 0;
  for (long (*f)() : g_hooks.table) table += f();
  return "v1 rule " + std::to_string(g_hooks.rule ? g_hooks.rule() : 0) + " table " + std::to_string(table) +
         " shape " + std::to_string(g_hooks.shape ? g_hooks.shape->sides() : 0) + " count " +
         std::to_string(g_hooks.count);
}

// "rule", "table", "shape": points that hook at this release's code; "off" clears them all.
std::string set_hooks(const std::string& what) {
  if (what == "rule") g_hooks.rule = [] { return 10L; };
  if (what == "table") g_hooks.table.push_back(app::one);
  if (what == "tls") t_hook = app::one;
  if (what == "trace") trace();  // an address inside set_hooks, not an entry
  if (what == "park") start_parked(app::one);  // a thread waits holding it
  if (what == "shape") g_hooks.shape = std::make_unique<app::Triangle>();
  if (what == "off") {
    g_hooks.rule = nullptr;
    g_hooks.table.clear();
    g_hooks.shape.reset();
    t_hook = nullptr;
  }
  if (!g_hooks.token) g_hooks.token = std::make_shared<int>(7);
  ++g_hooks.count;
  return describe_hooks();
}
