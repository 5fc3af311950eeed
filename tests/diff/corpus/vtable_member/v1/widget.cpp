#include "holder.h"
namespace app {
Widget::~Widget() = default;
int Widget::draw() const { return id; }
int paint(Holder& holder) { return holder.widget.draw() + ++holder.count; }
}  // namespace app
