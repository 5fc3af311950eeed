#pragma once
// The typedef's meaning changes between releases: the transform unit, which sees the new
// release's headers, must not spell the old layouts with it.
typedef long counter_t;
