const char* message() { return "message of v2, only in the patch"; }
