// A thread blocked in read() keeps, in a callee-saved register (the compiler's own choice),
// a pointer into a patch that another thread reverts. read() saves no callee-saved
// register: the pointer is nowhere in memory, only in the blocked thread's registers.
#include <hotswap/hotswap.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

const char* message();

std::string handle(const std::string& command) {
  if (command.rfind("blocked ", 0) == 0) {
    if (!hotswap::apply(command.substr(8))) return "not applied";
    int fds[2];
    if (pipe(fds) != 0) return "no pipe";
    std::string seen;
    std::thread worker([fd = fds[0], &seen] {
      const char* m = message();  // v2: a literal only the patch has
      char c;
      if (read(fd, &c, 1) != 1) return;
      seen = m;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    hotswap::Result r = hotswap::revert();
    (void)!write(fds[1], "x", 1);
    worker.join();
    close(fds[0]);
    close(fds[1]);
    return (r ? "reverted, " : "not reverted, ") + seen;
  }
  return "unknown " + command;
}
