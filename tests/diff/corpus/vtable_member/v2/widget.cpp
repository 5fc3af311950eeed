#include "holder.h"
namespace app {
Widget::~Widget() = default;
int Widget::draw() const { return id; }
int paint(Holder& holder) {
  ++holder.painted;
  return holder.widget.draw() + ++holder.count;
}
}  // namespace app
