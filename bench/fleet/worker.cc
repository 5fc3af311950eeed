// A small updateable process for the fleet benchmark (bench/fleet/run): it starts the
// runtime and waits. Release FLEET_RELEASE answers FLEET_RELEASE.
#include <hotswap/hotswap.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>

__attribute__((noinline)) int release() { return FLEET_RELEASE; }

int main() {
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // the benchmark's processes end with it
  hotswap::Result started = hotswap::start();
  if (!started) {
    std::fprintf(stderr, "%s\n", started.message.c_str());
    return 1;
  }
  std::printf("ready %d\n", release());
  std::fflush(stdout);
  for (;;) pause();
}
