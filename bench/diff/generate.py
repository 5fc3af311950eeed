#!/usr/bin/env python3
"""Writes a program of about LINES lines in OUT/v1 and OUT/v2 for timing `hotswap diff`.

v2 differs from v1 in a few function bodies, one string literal and one new function, so
the diff has real work (normalization of every function, DWARF of every unit) and a small
answer. Usage: generate.py OUT [LINES]"""
import os
import sys

out = sys.argv[1]
lines = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
units = 20
per_unit = max(1, lines // units // 12)


def unit_source(u, version):
    src = [f'#include <cstdio>\n#include <cstring>\n',
           f'struct Record{u} {{ int id; long total; char name[16]; Record{u}* next; }};',
           f'Record{u} g_records{u}[8];', f'static int s_calls{u} = {u};', '']
    for f in range(per_unit):
        factor = 3 + f % 5
        if version == 2 and f % 37 == 0:
            factor += 1  # a changed body
        label = f'unit {u} function {f}'
        if version == 2 and u == 0 and f == 1:
            label += ' (v2)'  # a changed literal
        src += [f'__attribute__((noinline)) long work_{u}_{f}(long x, Record{u}* r) {{',
                f'  s_calls{u}++;',
                f'  for (int i = 0; i < {f % 7 + 1}; ++i) x = x * {factor} + i;',
                f'  switch (x & 7) {{',
                f'    case 0: x += r->id; break;', f'    case 1: x -= r->total; break;',
                f'    case 2: x ^= {f}; break;', f'    case 3: std::puts("{label}"); break;',
                f'    default: x += std::strlen(r->name);', f'  }}',
                f'  return x;', f'}}', '']
    if version == 2 and u == units - 1:
        src += [f'long added_{u}(long x) {{ return x * 17; }}', '']
    src += [f'long run_{u}(long x) {{',
            *[f'  x = work_{u}_{f}(x, &g_records{u}[{f % 8}]);' for f in range(per_unit)],
            '  return x;', '}', '']
    return '\n'.join(src)


for version in (1, 2):
    d = os.path.join(out, f'v{version}')
    os.makedirs(d, exist_ok=True)
    for u in range(units):
        with open(os.path.join(d, f'unit{u}.cpp'), 'w') as f:
            f.write(unit_source(u, version))
    with open(os.path.join(d, 'main.cpp'), 'w') as f:
        f.write('\n'.join([f'long run_{u}(long);' for u in range(units)] +
                          ['int main(int argc, char**) {', '  long x = argc;'] +
                          [f'  x = run_{u}(x);' for u in range(units)] +
                          ['  return static_cast<int>(x & 1);', '}', '']))
