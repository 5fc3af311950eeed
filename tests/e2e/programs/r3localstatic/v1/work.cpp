int work() { return 1; }
