const char* message() { return "message of v1"; }
