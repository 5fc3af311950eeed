// A bank whose state lives in a global struct that release 2 changes (a member added, one
// renamed, one widened), moved live while four threads transfer money between accounts and
// one waits in an idle scope. The total never changes and the transfer count never goes
// back: the state moved whole, at a moment no thread was inside a transfer.
#include <hotswap/hotswap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

void transfer(unsigned seed);
std::string audit();
void hog();                // uses the bank and never reaches an update point
void stall();              // reaches one update point, then none until released
void inner_loop();         // reaches update points inside code the patch replaces
void cold_loop();          // the same, inside its cold part
std::string apply_from_inside(const std::string& path);
std::string set_callbacks(const std::string& which);  // points global callbacks at code
void hold_pointer();       // parks at update points with a pointer to the bank
extern "C" void* bank_address();
extern std::atomic<bool> g_release;
std::atomic<bool> g_side_ready{false};  // the side thread runs what its command promised

namespace {
std::atomic<bool> s_stop{false};
std::vector<std::thread> s_threads;
std::vector<std::thread> s_side;  // started by a command below, joined by "release"

// Starts a side thread and answers once it runs what the command promises (for one that
// takes part in updates: once it has reached its first update point), so that the test's
// next request meets it there however loaded the machine is.
std::string start_side(void (*body)(), bool block_signals, const char* answer) {
  g_release = false;
  g_side_ready = false;
  s_side.emplace_back([body, block_signals] {
    if (block_signals) {  // it cannot be sampled
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_BLOCK, &all, nullptr);
    }
    body();
  });
  while (!g_side_ready) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return answer;
}

void join_side() {
  g_release = true;
  for (auto& t : s_side) t.join();
  s_side.clear();
}

extern "C" void mark_side_ready() { g_side_ready = true; }
extern "C" void wait_released() {
  while (!g_release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// Waits in an idle scope with the bank's address only in one callee-saved register (REG):
// nowhere in its stack (the frames the scope's entry left are cleared, and the wait runs
// 8 KiB below them), so only the registers the scope stored where it was entered show it.
#define HOLD_IN(REG)                                                                                      \
  void hold_in_##REG() {                                                                                 \
    asm volatile(                                                                                        \
        "push %%rbp\n\t"                                                                                  \
        "mov %%rsp, %%rbp\n\t"                                                                            \
        "and $-16, %%rsp\n\t" /* the calls below need a 16-byte aligned stack */                          \
        "call bank_address@PLT\n\t"                                                                       \
        "mov %%rax, %%" #REG "\n\t"                                                                        \
        "call hotswap_idle_enter@PLT\n\t"                                                                 \
        "lea -2048(%%rsp), %%rdi\n\t" /* the dead frames below: no stale copy of the register */          \
        "mov $256, %%ecx\n\t"                                                                             \
        "xor %%eax, %%eax\n\t"                                                                            \
        "rep stosq\n\t"                                                                                   \
        "call mark_side_ready@PLT\n\t"                                                                    \
        "sub $8192, %%rsp\n\t"                                                                            \
        "call wait_released@PLT\n\t"                                                                      \
        "add $8192, %%rsp\n\t"                                                                            \
        "call hotswap_idle_leave@PLT\n\t"                                                                 \
        "xor %%" #REG ", %%" #REG "\n\t"                                                                   \
        "mov %%rbp, %%rsp\n\t"                                                                            \
        "pop %%rbp"                                                                                      \
        :                                                                                                \
        :                                                                                                \
        : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", #REG, "xmm0", "xmm1", "xmm2", "xmm3", \
          "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",     \
          "xmm15", "memory", "cc");                                                                      \
  }
HOLD_IN(rbx)
HOLD_IN(r12)
HOLD_IN(r13)
HOLD_IN(r14)
HOLD_IN(r15)

void idle_loop() {
  while (!s_stop) {
    bool woken = false;
    {
      hotswap::idle_scope idle;
      pollfd fd{hotswap::wake_fd(), POLLIN, 0};
      woken = poll(&fd, 1, 5) == 1;
    }
    if (woken) hotswap::update_point();  // an update waits: be where it can happen
  }
}
}  // namespace

std::string handle(const std::string& command) {
  if (command == "start") {
    for (unsigned t = 0; t < 4; ++t)
      s_threads.emplace_back([t] {
        for (unsigned seed = t * 7919; !s_stop; ++seed) {
          transfer(seed);
          hotswap::update_point();
        }
      });
    s_threads.emplace_back(idle_loop);
    return "started";
  }
  if (command == "stop") {
    s_stop = true;
    join_side();
    for (auto& t : s_threads) t.join();
    s_threads.clear();
    return "stopped";
  }
  if (command == "hog") return start_side(hog, false, "hogging");
  if (command == "hog-unseen") return start_side(hog, true, "hogging unseen");
  if (command == "inner") return start_side(inner_loop, false, "looping inside");
  if (command == "inner-cold") return start_side(cold_loop, false, "looping inside, cold");
  if (command == "stall") return start_side(stall, false, "stalling");
  if (command == "hold") return start_side(hold_pointer, false, "holding");
  if (command == "hold-in rbx") return start_side(hold_in_rbx, false, "holding in a register");
  if (command == "hold-in r12") return start_side(hold_in_r12, false, "holding in a register");
  if (command == "hold-in r13") return start_side(hold_in_r13, false, "holding in a register");
  if (command == "hold-in r14") return start_side(hold_in_r14, false, "holding in a register");
  if (command == "hold-in r15") return start_side(hold_in_r15, false, "holding in a register");
  if (command == "release") {
    join_side();
    return "released";
  }
  if (command == "audit") return audit();
  if (command.rfind("callbacks ", 0) == 0) return set_callbacks(command.substr(10));
  if (command.rfind("apply-inside ", 0) == 0) return apply_from_inside(command.substr(13));
  return "unknown " + command;
}
