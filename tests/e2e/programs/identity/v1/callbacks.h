#pragma once
#include <string>

using Callback = int (*)(int);
int callback(int x);
Callback file_callback_address();
std::string compare(Callback stored, Callback stored_file);
