#include "tool/compiler_wrapper.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "tool/commands.h"

extern char** environ;

namespace hotswap {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSidecarSuffix = ".hotswap-flags";  // beside each object the wrapper compiled

// Runs argv with this process's standard streams; the exit status (127: cannot run).
int spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) {
    std::cerr << "hotswap: cannot run the compiler " << argv[0] << "\n";
    return 127;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// What runs a command and gives its standard output (the compiler's predefined macros).
std::string output_of(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, p)) out.append(buffer, n);
    pclose(p);
  }
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The compiler as a build record names it ("GNU 12.2.0", "Clang 14.0.6": CMake's
// CMAKE_<LANG>_COMPILER_ID and _VERSION, so that records from either kind of build compare),
// from its predefined macros.
std::string compiler_identity(const std::string& command) {
  std::string macros = output_of(command + " -dM -E -x c /dev/null 2>/dev/null");
  auto value = [&](const std::string& name) {
    std::string key = "#define " + name + " ";
    std::size_t at = macros.find(key);
    if (at == std::string::npos) return std::string();
    std::size_t end = macros.find('\n', at);
    return macros.substr(at + key.size(), end - at - key.size());
  };
  if (!value("__clang__").empty())
    return "Clang " + value("__clang_major__") + "." + value("__clang_minor__") + "." + value("__clang_patchlevel__");
  if (!value("__GNUC__").empty())
    return "GNU " + value("__GNUC__") + "." + value("__GNUC_MINOR__") + "." + value("__GNUC_PATCHLEVEL__");
  return "unknown";
}

bool is_source(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (const char* e : {".c", ".cc", ".cpp", ".cxx", ".c++", ".C", ".cp", ".CPP", ".i", ".ii", ".s", ".S", ".sx"})
    if (ext == e) return true;
  return false;
}

// Options that take the next argument as their value (when not joined to it).
bool takes_value(const std::string& a) {
  static const std::set<std::string> options = {
      "-o", "-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote", "-idirafter", "-iprefix",
      "-isysroot", "-x", "-MF", "-MT", "-MQ", "-L", "-l", "-Xlinker", "-Xassembler", "-Xpreprocessor",
      "-T", "-u", "-e", "--param", "-aux-info", "-z", "-G", "-A", "-arch", "-target", "--sysroot"};
  return options.count(a) != 0;
}

// Options only a link reads: dropped when the wrapper compiles a link line's sources.
bool link_only(const std::string& a) {
  return a.rfind("-l", 0) == 0 || a.rfind("-L", 0) == 0 || a.rfind("-Wl,", 0) == 0 || a == "-Xlinker" ||
         a == "-static" || a == "-rdynamic" || a == "-shared" || a == "-pie" || a == "-no-pie" || a == "-T" ||
         a == "-u" || a == "-e" || a == "-z";
}

struct Command {
  std::vector<std::string> args;  // as given
  std::vector<std::size_t> inputs;  // indices of input files in args
  std::string output;  // -o's value, "" if none
  bool compile_only = false;  // -c, -S, -E, -M or -MM: no link
  bool query = false;         // --version, -dumpversion, -print-...: nothing is built
  bool shared = false;        // -shared or -r: a library or a relocatable object, not a program
  bool language_given = false;  // -x LANG: it applies to every input after it
};

// The arguments with each @FILE replaced by the words in FILE (the compilers' response
// files: whitespace-separated, with '...', "..." and backslash escapes), so that a -c or an
// object named there is seen. A FILE that cannot be read stays as it is, as gcc does.
std::vector<std::string> expand_response_files(const std::vector<std::string>& args, int depth = 0) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::ifstream in;
    if (a.size() > 1 && a[0] == '@' && depth < 8) in.open(a.substr(1));
    if (!in.is_open() || !in) {
      out.push_back(a);
      continue;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char ch = text[i];
      if (ch == '\\' && i + 1 < text.size()) {
        word += text[++i];
        in_word = true;
      } else if (quote) {
        if (ch == quote) quote = 0;
        else word += ch;
      } else if (ch == '\'' || ch == '"') {
        quote = ch;
        in_word = true;
      } else if (std::isspace(static_cast<unsigned char>(ch))) {
        if (in_word) words.push_back(word);
        word.clear();
        in_word = false;
      } else {
        word += ch;
        in_word = true;
      }
    }
    if (in_word) words.push_back(word);
    for (std::string& w : expand_response_files(words, depth + 1)) out.push_back(std::move(w));
  }
  return out;
}

Command parse(const std::vector<std::string>& args) {
  Command c;
  c.args = args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-c" || a == "-S" || a == "-E" || a == "-M" || a == "-MM") c.compile_only = true;
    else if (a == "--version" || a == "-###" || a.rfind("-dump", 0) == 0 || a.rfind("-print-", 0) == 0 || a == "--help")
      c.query = true;  // (-v with inputs builds them, verbosely)
    else if (a == "-shared" || a == "-r") c.shared = true;
    if (a == "-x" || (a.rfind("-x", 0) == 0 && a.size() > 2)) c.language_given = true;
    if (a == "-o" && i + 1 < args.size()) c.output = args[i + 1];
    else if (a.rfind("-o", 0) == 0 && a.size() > 2) c.output = a.substr(2);
    if (takes_value(a)) {
      ++i;
      continue;
    }
    if (a == "-" || (!a.empty() && a[0] != '-')) c.inputs.push_back(i);
  }
  if (c.inputs.empty()) c.query = true;
  return c;
}

std::string source_root() {
  if (const char* env = std::getenv("HOTSWAP_SOURCE_ROOT"); env && *env) return fs::absolute(env).lexically_normal().string();
  return default_source_root(fs::current_path().string());
}

std::string strip_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// The flags that make a unit updateable (docs/ARCHITECTURE.md, "Compiling to be updateable").
std::vector<std::string> updateable_flags(bool gcc, const std::string& root) {
  std::vector<std::string> flags = {"-g", "-ffunction-sections", "-fdata-sections", "-fpatchable-function-entry=16,14",
                                    "-fno-lto", "-ffile-prefix-map=" + strip_slash(root) + "/="};
  // GCC's identical-code folding makes two functions share one entry; redirecting one
  // would redirect both.
  if (gcc) flags.push_back("-fno-ipa-icf");
  return flags;
}

// Where the tool's companions are: beside an installed tool (PREFIX/bin/hotswap ->
// PREFIX/LIBDIR/...), where the project installs them, or in the build tree it came from.
std::string find_companion(const char* env, const std::vector<fs::path>& candidates) {
  if (const char* value = std::getenv(env); value && *value) return value;
  std::error_code ec;
  for (const fs::path& p : candidates)
    if (fs::exists(p, ec)) return p.string();
  return "";
}

std::vector<fs::path> near_tool(const std::string& relative) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  fs::path prefix = self.parent_path().parent_path();
  return {prefix / HOTSWAP_INSTALL_LIBDIR / relative, prefix / "lib" / relative};
}

// A tool in a build tree uses that tree's runtime before any installed one (which may be
// older); an installed tool finds its own beside it first.
bool in_build_tree() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return !ec && fs::exists(HOTSWAP_BUILD_RUNTIME_LIBRARY, ec) &&
         self.parent_path() == fs::path(HOTSWAP_BUILD_RUNTIME_LIBRARY).parent_path().parent_path() / "bin";
}

std::string runtime_library() {
  std::vector<fs::path> c;
  if (in_build_tree()) c.push_back(HOTSWAP_BUILD_RUNTIME_LIBRARY);
  for (const fs::path& p : near_tool("libhotswap.a")) c.push_back(p);
  c.push_back(fs::path(HOTSWAP_INSTALL_FULL_LIBDIR) / "libhotswap.a");
  return find_companion("HOTSWAP_RUNTIME_LIBRARY", c);
}

std::string link_script() {
  std::vector<fs::path> c;
  if (in_build_tree()) c.push_back(HOTSWAP_SOURCE_LINK_SCRIPT);
  for (const fs::path& p : near_tool("cmake/hotswap/hotswap-link.ld")) c.push_back(p);
  c.push_back(fs::path(HOTSWAP_INSTALL_FULL_LIBDIR) / "cmake/hotswap/hotswap-link.ld");
  return find_companion("HOTSWAP_LINK_SCRIPT", c);
}

std::string include_dir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> c;
  if (in_build_tree()) c.push_back(HOTSWAP_SOURCE_INCLUDE_DIR);
  if (!ec) c.push_back(self.parent_path().parent_path() / "include");
  c.push_back(HOTSWAP_INSTALL_FULL_INCLUDEDIR);
  for (const fs::path& p : c)
    if (fs::exists(p / "hotswap" / "hotswap.h", ec)) return p.string();
  return "";
}

std::vector<std::string> link_flags(SourceLanguage language, const std::string& library, const std::string& script) {
  std::vector<std::string> flags = {"-Wl,--build-id=sha1", "-Wl,-T," + script, library, "-lelf", "-ldw", "-lsodium", "-pthread",
                                    "-ldl"};
  // The runtime is C++: a C compiler driver does not add its library by itself.
  if (language == SourceLanguage::kC) flags.insert(flags.end(), {"-lstdc++", "-lm"});
  return flags;
}

// Whether an option names a path that differs between two checkouts of one program (and
// changes no code), or is the compile's own plumbing: left out of the flags recorded.
bool plumbing(const std::string& a) {
  for (const char* prefix : {"-I", "-iquote", "-isystem", "-idirafter", "-ffile-prefix-map=", "-fdebug-prefix-map=",
                             "-fmacro-prefix-map=", "-o", "-MF", "-MT", "-MQ"})
    if (a.rfind(prefix, 0) == 0) return true;
  return a == "-c" || a == "-MD" || a == "-MMD" || a == "-MP" || a == "-M" || a == "-MM";
}

// What a transform file needs to compile the program's headers, as the compile said it, and
// the compile's other options (what two builds must share).
void write_sidecar(const Command& c, const std::string& object) {
  std::ofstream out(object + kSidecarSuffix, std::ios::trunc);
  std::set<std::size_t> inputs(c.inputs.begin(), c.inputs.end());
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    const std::string& a = c.args[i];
    if (inputs.count(i)) continue;
    std::string value;
    char kind = 0;
    bool separate = takes_value(a) && i + 1 < c.args.size();
    if ((a == "-I" || a == "-D" || a == "-isystem" || a == "-iquote") && separate) {
      kind = a == "-D" ? 'D' : 'I';
      value = c.args[++i];
    } else if (a.rfind("-I", 0) == 0 || a.rfind("-D", 0) == 0) {
      kind = a[1];
      value = a.substr(2);
    } else if (a.rfind("-isystem", 0) == 0 || a.rfind("-iquote", 0) == 0) {
      kind = 'I';
      value = a.substr(a[2] == 's' ? 8 : 7);
    } else if (plumbing(a)) {
      if (separate) ++i;
      continue;
    } else {
      out << "F " << a << '\n';
      if (separate) out << "F " << c.args[++i] << '\n';
      continue;
    }
    if (!kind || value.empty()) continue;
    if (kind == 'I') value = fs::absolute(value).lexically_normal().string();
    out << kind << ' ' << value << '\n';
  }
}

// The object a compile of `source` writes: -o's, or the source's name with .o in the
// current directory (what the compiler does without -o).
std::string object_of(const Command& c, const std::string& source) {
  if (!c.output.empty()) return c.output;
  return fs::path(source).filename().replace_extension(".o").string();
}

int compile(const std::vector<std::string>& compiler, const Command& c, bool gcc, const std::string& root) {
  std::vector<std::string> argv = compiler;
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  if (!std::count(c.args.begin(), c.args.end(), "-E") && !std::count(c.args.begin(), c.args.end(), "-M") &&
      !std::count(c.args.begin(), c.args.end(), "-MM")) {
    std::vector<std::string> flags = updateable_flags(gcc, root);
    argv.insert(argv.end(), flags.begin(), flags.end());
  }
  // <hotswap/hotswap.h> is found without the build naming it (after the build's own -I:
  // a program's header of that name wins).
  if (std::string dir = include_dir(); !dir.empty()) argv.push_back("-idirafter" + dir);
  int status = spawn(argv);
  bool objects = std::count(c.args.begin(), c.args.end(), "-c") != 0;
  if (status == 0 && objects && (c.inputs.size() == 1 || c.output.empty()))
    for (std::size_t i : c.inputs) write_sidecar(c, object_of(c, c.args[i]));
  return status;
}

// The members of an archive the link names by path (a static library of the project), taken
// out into `dir` so that the record names them: diff must see a change in them, and their
// units' DWARF (a struct they use may change type).
std::vector<std::string> archive_members(const std::string& archive, const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  std::vector<std::string> out;
  if (spawn({"sh", "-c", "cd " + shell_quote(dir.string()) + " && ar x " + shell_quote(fs::absolute(archive).string())}) != 0)
    return out;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".o") out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

int link(SourceLanguage language, const std::vector<std::string>& compiler, Command c, bool gcc, const std::string& root,
         const std::string& identity) {
  std::string library = runtime_library(), script = link_script();
  if (library.empty() || script.empty()) {
    std::cerr << "hotswap: cannot find the runtime (libhotswap.a) or the link script (hotswap-link.ld) near the "
                 "tool; set HOTSWAP_RUNTIME_LIBRARY and HOTSWAP_LINK_SCRIPT\n";
    return 1;
  }
  std::string output = c.output.empty() ? "a.out" : c.output;
  // A build system's probe (autoconf's conftest, a bare a.out, CMake's cmTC_, meson's
  // sanitycheck) links a program nobody patches: it gets the runtime like any other, but
  // leaves no objects or record behind.
  std::string base = fs::path(output).filename().string();
  bool probe = base == "a.out" || base.rfind("conftest", 0) == 0 || base.rfind("cmTC_", 0) == 0 ||
               base.rfind("sanitycheck", 0) == 0;
  std::vector<std::string> flags = link_flags(language, library, script);
  bool stdin_input = false;
  for (std::size_t i : c.inputs) stdin_input = stdin_input || c.args[i] == "-";
  if (c.language_given || stdin_input) {
    // -x LANG applies to every input after it, and standard input cannot be compiled twice:
    // one command, as given, with the flags, and the link's own inputs read as what they are.
    std::vector<std::string> argv = compiler;
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    std::vector<std::string> compile_flags = updateable_flags(gcc, root);
    argv.insert(argv.end(), compile_flags.begin(), compile_flags.end());
    if (std::string dir = include_dir(); !dir.empty()) argv.push_back("-idirafter" + dir);
    argv.insert(argv.end(), {"-x", "none"});
    argv.insert(argv.end(), flags.begin(), flags.end());
    if (!probe)
      std::cerr << "hotswap: " << output << " is linked from sources given with -x or on standard input: "
                << "no build record is written (compile its units with -c first)\n";
    return spawn(argv);
  }
  // Sources on the link line are compiled first, each to an object of its own beside the
  // program (the build record names objects, and diff reads them).
  std::vector<std::string> compile_args;
  std::set<std::size_t> inputs(c.inputs.begin(), c.inputs.end());
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    const std::string& a = c.args[i];
    if (inputs.count(i)) continue;
    if (a == "-o" || (takes_value(a) && link_only(a))) {
      ++i;
      continue;
    }
    if (a.rfind("-o", 0) == 0 || link_only(a)) continue;
    compile_args.push_back(a);
    if (takes_value(a) && i + 1 < c.args.size()) compile_args.push_back(c.args[++i]);
  }
  std::vector<std::string> objects;
  std::string probe_dir;
  struct RemoveOnExit {
    std::string& dir;
    ~RemoveOnExit() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } remove_probe{probe_dir};
  fs::path units = output + ".hotswap-units";
  if (probe) {
    const char* tmp = std::getenv("TMPDIR");
    std::string scratch = std::string(tmp && *tmp ? tmp : "/tmp") + "/hotswap-probe.XXXXXX";
    if (!mkdtemp(scratch.data())) return 1;
    probe_dir = scratch;
    units = probe_dir;
  }
  int n = 0;
  for (std::size_t i : c.inputs) {
    std::string& input = c.args[i];
    std::string ext = fs::path(input).extension().string();
    if (!is_source(input)) {
      if (ext == ".o") objects.push_back(input);
      if (ext == ".a" && !probe)
        for (std::string& member : archive_members(input, units / ("archive-" + std::to_string(n++) + "-" +
                                                                   fs::path(input).filename().string())))
          objects.push_back(std::move(member));
      continue;
    }
    std::error_code ec;
    fs::create_directories(units, ec);
    std::string object = (units / (std::to_string(n++) + "-" + fs::path(input).filename().string() + ".o")).string();
    Command unit = c;
    unit.args = compile_args;
    unit.args.insert(unit.args.end(), {"-c", input, "-o", object});
    unit = parse(unit.args);
    if (int status = compile(compiler, unit, gcc, root); status != 0) return status;
    input = object;
    objects.push_back(object);
  }
  std::vector<std::string> argv = compiler;
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  argv.insert(argv.end(), flags.begin(), flags.end());
  if (int status = spawn(argv); status != 0) return status;
  if (probe) return 0;

  RecordOptions record;
  record.binary = output;
  record.compiler = identity;
  record.source_root = root;
  std::set<std::string> seen_dirs, seen_defines;
  bool any_wrapped = false;
  for (const std::string& object : objects) {
    // Every object is recorded, so that diff sees a change in one the wrapper did not
    // compile (a vendored unit) and says it cannot be redirected, rather than missing it.
    record.objects.push_back(object);
    std::ifstream in(object + kSidecarSuffix);
    if (!in) continue;  // not compiled by the wrapper: no settings to give
    std::string unit_flags;
    for (std::string line; std::getline(in, line);) {
      if (line.size() < 3) continue;
      std::string value = line.substr(2);
      if (line[0] == 'I' && seen_dirs.insert(value).second) record.include_dirs.push_back(value);
      if (line[0] == 'D' && seen_defines.insert(value).second) record.defines.push_back(value);
      if (line[0] == 'F') unit_flags += (unit_flags.empty() ? "" : " ") + value;
    }
    // The first unit's options stand for the build's (diff compares each unit's recorded
    // compiler options too, where the compiler records them).
    if (!any_wrapped) record.flags = unit_flags;
    any_wrapped = true;
  }
  if (!any_wrapped) {
    std::cerr << "hotswap: " << output << " has no unit compiled by hotswap cc or c++: it is not updateable\n";
    return 1;
  }
  return run_record(record);
}

}  // namespace

std::string default_source_root(const std::string& dir) {
  std::error_code ec;
  for (fs::path p = fs::absolute(dir).lexically_normal(); !p.empty(); p = p.parent_path()) {
    for (const char* marker : {".git", "configure", "configure.ac", "meson.build"})
      if (fs::exists(p / marker, ec)) return strip_slash(p.string());
    if (p == p.root_path()) break;
  }
  return strip_slash(fs::absolute(dir).lexically_normal().string());
}

int run_compiler_wrapper(SourceLanguage language, const std::vector<std::string>& args) {
  const char* env = std::getenv(language == SourceLanguage::kC ? "HOTSWAP_CC" : "HOTSWAP_CXX");
  // The real compiler, which may be several words ("ccache gcc").
  std::vector<std::string> compiler;
  {
    std::istringstream words(env && *env ? env : language == SourceLanguage::kC ? "cc" : "c++");
    for (std::string w; words >> w;) compiler.push_back(w);
  }
  // A compiler that is the wrapper again (HOTSWAP_CC=hotswap-cc, or cc on PATH) would run it
  // without end.
  if (std::getenv("HOTSWAP_WRAPPING")) {
    std::cerr << "hotswap: the real compiler (" << compiler.front() << ") runs the wrapper again: set "
              << (language == SourceLanguage::kC ? "HOTSWAP_CC" : "HOTSWAP_CXX") << " to the compiler itself\n";
    return 1;
  }
  setenv("HOTSWAP_WRAPPING", "1", 1);
  std::vector<std::string> expanded = expand_response_files(args);
  Command c = parse(expanded);
  if (c.query) {
    std::vector<std::string> argv = compiler;
    argv.insert(argv.end(), expanded.begin(), expanded.end());
    return spawn(argv);
  }
  std::string joined;
  for (const std::string& w : compiler) joined += (joined.empty() ? "" : " ") + shell_quote(w);
  std::string identity = compiler_identity(joined);
  bool gcc = identity.rfind("GNU", 0) == 0;
  std::string root = source_root();
  if (c.compile_only) return compile(compiler, c, gcc, root);
  if (c.shared) {  // a library or a relocatable object: compiled updateable, linked as asked
    std::vector<std::string> argv = compiler;
    argv.insert(argv.end(), expanded.begin(), expanded.end());
    std::vector<std::string> flags = updateable_flags(gcc, root);
    argv.insert(argv.end(), flags.begin(), flags.end());
    if (std::string dir = include_dir(); !dir.empty()) argv.push_back("-idirafter" + dir);
    return spawn(argv);
  }
  return link(language, compiler, c, gcc, root, identity);
}

int run_flags(const FlagsOptions& o) {
  bool gcc = o.compiler.empty() ? compiler_identity("cc").rfind("GNU", 0) == 0 : o.compiler == "gcc";
  std::string root = o.source_root.empty() ? source_root() : fs::absolute(o.source_root).lexically_normal().string();
  std::vector<std::string> words;
  if (o.cflags || !o.ldflags) {
    words = updateable_flags(gcc, root);
    if (std::string dir = include_dir(); !dir.empty()) words.push_back("-I" + dir);
  }
  if (o.ldflags || !o.cflags) {
    std::string library = runtime_library(), script = link_script();
    if (library.empty() || script.empty()) {
      std::cerr << "hotswap flags: cannot find the runtime (libhotswap.a) or the link script near the tool\n";
      return kExitRefused;
    }
    std::vector<std::string> flags = link_flags(o.c ? SourceLanguage::kC : SourceLanguage::kCxx, library, script);
    words.insert(words.end(), flags.begin(), flags.end());
  }
  std::string line;
  for (const std::string& w : words) line += (line.empty() ? "" : " ") + w;
  std::cout << line << "\n";
  return kExitDone;
}

}  // namespace hotswap
