#pragma once
inline int scale(int x) { return x * 2; }
