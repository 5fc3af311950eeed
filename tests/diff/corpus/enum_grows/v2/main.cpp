// An enum gains an enumerator, same size: the struct that holds one keeps its layout, so
// no type changed and no transformer is asked for; only code that names the new value does.
#include <cstdio>
enum Color { kRed, kGreen, kBlue };
struct Pixel {
  Color color;
  int x;
};
Pixel g_pixel{kGreen, 3};
__attribute__((noinline)) int paint() { return g_pixel.color == kGreen ? 1 : g_pixel.color == kBlue ? 2 : 0; }
__attribute__((noinline)) int where() { return g_pixel.x; }
int main() { std::printf("%d %d\n", paint(), where()); }
