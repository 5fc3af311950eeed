// Called in tight loops by worker threads while the test patches and reverts it.
int work(int x) { return x + 1; }
