// Release 2: Hooks counts the hooks set since the update; the hooks lead to a lambda, a
// function and a class that release 1 does not have.
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
struct Square : Shape {  // new
  long sides() const override { return 4; }
};
long one() { return 1; }
long two() { return 2; }  // new

struct Hooks {
  std::function<long()> rule;
  std::vector<long (*)()> table;
  std::unique_ptr<Shape> shape;
  std::shared_ptr<void> token;  // owns something of no class: nothing to look into
  long count = 0;
  long set_since_update = 0;  // new
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
  return "v2 rule " + std::to_string(g_hooks.rule ? g_hooks.rule() : 0) + " table " + std::to_string(table) +
         " shape " + std::to_string(g_hooks.shape ? g_hooks.shape->sides() : 0) + " count " +
         std::to_string(g_hooks.count) + " since " + std::to_string(g_hooks.set_since_update);
}

void set_rule() { g_hooks.rule = [] { return 20L; }; }  // new, and so is its lambda

std::string set_hooks(const std::string& what) {
  if (what == "rule") set_rule();
  if (what == "table") g_hooks.table.push_back(app::two);
  if (what == "tls") t_hook = app::two;
  if (what == "trace") trace();  // an address inside set_hooks, not an entry
  if (what == "park") start_parked(app::two);  // a thread waits holding it
  if (what == "shape") g_hooks.shape = std::make_unique<app::Square>();
  if (what == "off") {
    g_hooks.rule = nullptr;
    g_hooks.table.clear();
    g_hooks.shape.reset();
    t_hook = nullptr;
  }
  if (!g_hooks.token) g_hooks.token = std::make_shared<int>(7);
  ++g_hooks.count;
  ++g_hooks.set_since_update;
  return describe_hooks();
}
