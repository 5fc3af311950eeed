#include "tool/diff/transform_writer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "tool/diff/cpp_render.h"
#include "tool/diff/transform_spelling.h"
#include "tool/diff/type_signature.h"

namespace hotswap::diff {
namespace {

std::string identifier(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (name.compare(i, 2, "::") == 0) {
      out += "__";
      ++i;
    } else {
      out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
  }
  return out;
}

std::uint64_t round_up(std::uint64_t v, std::uint64_t a) { return a ? (v + a - 1) / a * a : v; }

std::uint64_t alignment(const TypeTable& t, int id, int depth = 0) {
  const TypeNode* n = t.get(defined_type(t, id));
  if (!n || depth > 32) return 1;
  switch (n->kind) {
    case TypeKind::kBase:
    case TypeKind::kEnum:
      return n->size ? std::min<std::uint64_t>(n->size, 16) : 1;
    case TypeKind::kPointer:
    case TypeKind::kReference:
    case TypeKind::kRvalueReference:
    case TypeKind::kPointerToMember:
      return 8;
    case TypeKind::kArray:
      return alignment(t, n->target, depth + 1);
    case TypeKind::kStruct: {
      std::uint64_t a = 1;
      for (const auto& m : n->members) a = std::max(a, alignment(t, m.type, depth + 1));
      return a;
    }
    default:
      return 1;
  }
}

bool is_source_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".c" || ext == ".cc" || ext == ".cpp" || ext == ".cxx" || ext == ".C" || ext == ".c++";
}

// The compiler's own member for a class's vtable pointer (GCC "_vptr.X", Clang "_vptr$X").
bool is_vtable_pointer(const std::string& name) { return name.rfind("_vptr", 0) == 0; }

// Whether a value of type `id` is or holds (members, template arguments, pointers, arrays)
// one of `declared`: the classes that get old layouts. The held class, or "".
std::string holds_declared(const TypeTable& table, int id, const std::set<std::string>& declared, std::set<int>& seen) {
  int bare = strip_aliases(table, id);
  const TypeNode* n = table.get(bare);
  if (!n || !seen.insert(bare).second) return "";
  if (n->kind == TypeKind::kPointer || n->kind == TypeKind::kArray) return holds_declared(table, n->target, declared, seen);
  if (n->kind != TypeKind::kStruct) return "";
  if (declared.count(n->name)) return n->name;
  for (int argument : n->template_arguments)
    if (std::string held = holds_declared(table, argument, declared, seen); !held.empty()) return held;
  for (const TypeMember& m : n->members)
    if (std::string held = holds_declared(table, m.type, declared, seen); !held.empty()) return held;
  return "";
}

// Whether a type is one byte of storage: a char of any signedness or std::byte.
bool storage_byte(const TypeTable& table, int id) {
  const TypeNode* e = table.get(strip_aliases(table, id));
  return e && ((e->kind == TypeKind::kBase && e->size == 1 &&
                (e->name == "char" || e->name == "unsigned char" || e->name == "signed char" || e->name == "char8_t")) ||
               (e->kind == TypeKind::kEnum && e->name == "std::byte"));
}

// How a member keeps bytes. kAligned: storage made to hold objects, an array of bytes with
// an alignas of its own (a pool's `alignas(T) char storage[N * sizeof(T)]`), or an array of
// the class std::aligned_storage makes (bytes beside an empty aligned struct). kBytes: an
// array of unsigned char or std::byte with no alignas, which may be storage or a value (a
// digest). kNone: anything else (a `char name[16]` is characters).
enum class Storage { kNone, kBytes, kAligned };

Storage byte_storage(const TypeTable& table, const TypeMember& member, int depth = 0);

Storage byte_storage_of(const TypeTable& table, int id, int depth) {
  const TypeNode* n = table.get(strip_aliases(table, id));
  if (!n || depth > 16) return Storage::kNone;
  if (n->kind == TypeKind::kArray) {
    const TypeNode* e = table.get(strip_aliases(table, n->target));
    if (e && e->kind != TypeKind::kStruct) {
      bool unsigned_bytes = (e->kind == TypeKind::kBase && e->name == "unsigned char") ||
                            (e->kind == TypeKind::kEnum && e->name == "std::byte");
      return unsigned_bytes ? Storage::kBytes : Storage::kNone;
    }
    return byte_storage_of(table, n->target, depth + 1) == Storage::kAligned ? Storage::kAligned : Storage::kNone;
  }
  if (n->kind == TypeKind::kStruct && n->declaration) {  // defined in another unit
    table.complete_definition_index();
    auto defined = table.complete_by_name.find(n->name);
    n = defined == table.complete_by_name.end() ? nullptr : table.get(defined->second);
  }
  if (!n || n->kind != TypeKind::kStruct) return Storage::kNone;
  // libstdc++'s aligned_storage::type is a union of the bytes and an empty aligned struct;
  // a class of bytes alone (std::array<unsigned char, 32>) is a value.
  Storage bytes = Storage::kNone;
  bool aligner = false;
  for (const TypeMember& m : n->members) {
    const TypeNode* t = table.get(strip_aliases(table, m.type));
    if (Storage s = byte_storage(table, m, depth + 1); s != Storage::kNone) bytes = std::max(bytes, s);
    else if (t && t->kind == TypeKind::kStruct && t->members.empty()) aligner = true;
    else return Storage::kNone;
  }
  return bytes != Storage::kNone && aligner ? Storage::kAligned : bytes;
}

Storage byte_storage(const TypeTable& table, const TypeMember& member, int depth) {
  const TypeNode* n = table.get(strip_aliases(table, member.type));
  if (member.alignment != 0 && n && n->kind == TypeKind::kArray && storage_byte(table, n->target))
    return Storage::kAligned;
  return byte_storage_of(table, member.type, depth);
}

// The class a member of an instance of a class template keeps as bytes, when it may: storage
// made to hold objects (kAligned) in an instance whose type arguments hold a class that
// changed, or bytes without an alignas (kBytes) whose size is a whole number of that
// class's objects (a std::array<unsigned char, 32> digest beside a 24-byte T is a value).
// Copied, such bytes would keep the old layout; "" otherwise.
std::string bytes_for_argument(const TypeTable& table, int class_id, const TypeMember& member,
                               const std::set<std::string>& declared) {
  const TypeNode* holder = table.get(strip_aliases(table, class_id));
  if (!holder || holder->template_arguments.empty()) return "";
  Storage storage = byte_storage(table, member);
  if (storage == Storage::kNone) return "";
  const TypeNode* bytes = table.get(strip_aliases(table, member.type));
  for (int argument : holder->template_arguments) {
    std::set<int> seen;
    std::string held = holds_declared(table, argument, declared, seen);
    if (held.empty()) continue;
    if (storage == Storage::kAligned) return held;
    const TypeNode* object = table.get(complete_definition(table, held));
    if (!object) object = table.get(complete_definition(table, "::" + held));
    if (!object || !object->size || (bytes && bytes->size % object->size == 0)) return held;
  }
  return "";
}

std::string member_name(const TypeMember& m, std::size_t index) {
  if (m.is_base) return "";
  return m.name.empty() ? "anonymous_" + std::to_string(index) : m.name;
}

bool names_struct(const DwarfInfo& info, const std::string& name, TypeKind kind) {
  auto it = info.named_types.find(name);
  const TypeNode* t = it == info.named_types.end() ? nullptr : info.types.get(it->second);
  return t && t->kind == kind;
}

// Everything one generation needs: both releases' types as the file spells them.
class Writer {
 public:
  explicit Writer(const DiffResult& r)
      : r_(r), new_types_(r.new_release->dwarf.types) {
    changed_ = declared_types(r);
    old_types_ = old_view(r.old_release->dwarf.types, changed_);
    // A class no header declares is written here; a typedef its members use may come from a
    // header the file does not include.
    spelled_types_ = without_typedefs(new_types_);
  }

  std::string generate() {
    std::ostringstream body;
    std::vector<const TypeChange*> classes;
    for (const auto* list : {&r_.types.types, &r_.types.reaching})
      for (const TypeChange& c : *list) {
        const TypeNode* o = old_types_.get(c.old_id);
        const TypeNode* n = new_types_.get(c.new_id);
        if (o && n && o->kind == TypeKind::kStruct && n->kind == TypeKind::kStruct && changed_.count(c.name))
          classes.push_back(&c);
      }
    for (const TypeChange* c : classes) {
      need_new_type(c->name);
      for (const TypeMember& m : old_types_.nodes[static_cast<std::size_t>(c->old_id)].members) need_types_of(m.type, true);
    }
    for (const DataTypeChange& d : r_.types.data) need_types_of(d.new_type_id, false);

    std::ostringstream out;
    write_preamble(out);
    if (!spelled_here_.empty()) {
      out << "// Types no header of the program declares, written here from the new release's DWARF\n"
          << "// (default member initializers are not in DWARF: new objects of these start value-initialized).\n";
      std::set<std::string> nested_here;  // in a class no header declares: not written here
      for (const std::string& name : spelled_here_)
        if (names_struct(r_.new_release->dwarf, split_scope(name).first, TypeKind::kStruct)) nested_here.insert(name);
      for (const std::string& name : nested_here) {
        out << "// " << name << ": nested in a class no header declares; declare it here by hand\n";
        spelled_here_.erase(name);
      }
      for (const std::string& name : spelled_here_) {  // pointers to each other need only these
        auto [scope, leaf] = split_scope(name);
        const TypeNode& n = new_types_.nodes[static_cast<std::size_t>(r_.new_release->dwarf.named_types.at(name))];
        std::string keyword = n.kind == TypeKind::kEnum ? "" : n.keyword == "union" ? "union " : "struct ";
        if (keyword.empty()) continue;
        out << (scope.empty() ? "" : "namespace " + scope + " { ") << keyword << leaf << ";"
            << (scope.empty() ? "" : " }") << "\n";
      }
      out << "\n";
      for (const std::string& name : spelled_here_) {  // enums first: structs hold them
        int id = r_.new_release->dwarf.named_types.at(name);
        if (new_types_.nodes[static_cast<std::size_t>(id)].kind == TypeKind::kEnum)
          out << write_enum(new_types_, id, name);
      }
      for (const std::string& name : ordered(spelled_here_, new_types_, r_.new_release->dwarf.named_types, false)) {
        int id = r_.new_release->dwarf.named_types.at(name);
        if (new_types_.nodes[static_cast<std::size_t>(id)].kind != TypeKind::kEnum)
          out << write_layout(spelled_types_, id, name, "");
      }
    }
    if (!classes.empty()) {
      out << "// The old release's layouts of the changed types (from its DWARF; `hotswap diff` checks\n"
          << "// every layout declared in namespace hotswap_old against it, member by member).\n";
      std::set<std::string> names;
      for (const TypeChange* c : classes) names.insert(c->name);
      std::map<std::string, int> old_ids;
      for (const TypeChange* c : classes) old_ids[c->name] = c->old_id;
      out << write_old_layouts(ordered(names, old_types_, old_ids, true), old_ids);
      out << "// Transformers: one overload per changed type and direction. `to` arrives constructed by its\n"
          << "// default constructor; members of the same name are carried by hotswap::transform (copied,\n"
          << "// converted with a range check, containers and owned objects element by element, pointers\n"
          << "// forwarded to the objects they now point to). Return false, or throw, to refuse the update.\n\n";
      for (const TypeChange* c : classes) {
        out << write_overload(*c, false);
        out << write_overload(*c, true);
        out << write_reset(new_types_, c->new_id, c->name, false);
      }
    }
    for (const SignatureChange& s : r_.types.signatures) out << write_stub(s);
    return out.str();
  }

 private:
  void write_preamble(std::ostringstream& out) const {
    auto base = [](const std::string& path) { return std::filesystem::path(path).filename().string(); };
    out << "// transform.cpp: state transformers and stubs for the patch\n"
        << "//   " << base(r_.old_release->record.binary) << " (" << r_.old_release->record.build_id.substr(0, 12) << ")\n"
        << "//   -> " << base(r_.new_release->record.binary) << " (" << r_.new_release->record.build_id.substr(0, 12)
        << ")\n"
        << "// Generated by `hotswap diff`. Review it (every TODO, every renamed member or changed unit),\n"
        << "// then run diff again with --transform on this file. It is compiled with the new release's\n"
        << "// include directories and definitions, so the program's own headers give the new types.\n"
        << "// The contract: docs/type-updates.md.\n"
        << "#include <hotswap/transform.h>\n\n"
        << "#include <array>\n#include <atomic>\n#include <chrono>\n#include <cstddef>\n#include <cstdint>\n#include <cstring>\n"
        << "#include <deque>\n#include <forward_list>\n#include <functional>\n#include <list>\n#include <map>\n"
        << "#include <memory>\n#include <mutex>\n"
        << "#include <optional>\n#include <set>\n#include <string>\n#include <string_view>\n#include <tuple>\n"
        << "#include <unordered_map>\n"
        << "#include <unordered_set>\n#include <variant>\n#include <vector>\n\n";
    if (!headers_.empty()) {
      out << "// The headers that declare the new types (DW_AT_decl_file).\n";
      // A C program's headers declare C functions: C++ must not give them C++ names.
      if (program_is_c()) out << "extern \"C\" {\n";
      for (const std::string& h : top_level(headers_)) out << "#include \"" << h << "\"\n";
      if (program_is_c()) out << "}  // extern \"C\"\n";
      out << "\n";
    }
  }

  // Where an #include of `name` finds its file: beside the including file, then in the
  // build's include directories and its source root; "" if nowhere.
  std::string find_header(const std::string& name, const std::filesystem::path& beside) const {
    const BuildRecord& record = r_.new_release->record;
    std::vector<std::filesystem::path> dirs;
    if (!beside.empty()) dirs.push_back(beside);
    for (const std::string& dir : record.include_dirs) dirs.emplace_back(dir);
    if (!record.source_root.empty()) dirs.emplace_back(record.source_root);
    for (const auto& dir : dirs) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(dir / name, ec)) return (dir / name).string();
    }
    return "";
  }

  // The headers the file must include: those no other one of them already includes
  // (following the program's own #include "..." lines). A C program's headers are often
  // not self-contained — logger.h expects memcached.h to have included the system's
  // headers first — so including each one on its own, in any order, may not compile.
  std::vector<std::string> top_level(const std::set<std::string>& headers) const {
    std::map<std::string, std::set<std::string>> reach;  // header -> files it includes, transitively
    for (const std::string& h : headers) {
      std::set<std::string>& seen = reach[h];
      std::vector<std::string> todo;
      if (std::string file = find_header(h, {}); !file.empty()) todo.push_back(file);
      while (!todo.empty() && seen.size() < 10000) {
        std::string file = todo.back();
        todo.pop_back();
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);) {
          std::size_t at = line.find_first_not_of(" \t");
          if (at == std::string::npos || line[at] != '#') continue;
          at = line.find_first_not_of(" \t", at + 1);
          if (at == std::string::npos || line.compare(at, 7, "include") != 0) continue;
          std::size_t open = line.find('"', at), close = open == std::string::npos ? open : line.find('"', open + 1);
          if (close == std::string::npos) continue;
          std::string found = find_header(line.substr(open + 1, close - open - 1),
                                          std::filesystem::path(file).parent_path());
          if (!found.empty() && seen.insert(std::filesystem::weakly_canonical(found).string()).second)
            todo.push_back(found);
        }
      }
    }
    std::vector<std::string> out;
    for (const std::string& h : headers) {
      std::string file = find_header(h, {});
      bool included = false;
      if (!file.empty()) {
        std::string canonical = std::filesystem::weakly_canonical(file).string();
        for (const std::string& other : headers) {
          if (other == h || !reach[other].count(canonical)) continue;
          // Two that include each other: the first of them stays.
          std::string other_file = find_header(other, {});
          bool mutual = !other_file.empty() && reach[h].count(std::filesystem::weakly_canonical(other_file).string());
          if (!mutual || other < h) included = true;
        }
      }
      if (!included) out.push_back(h);
    }
    return out;
  }

  // Whether every translation unit of the program is C (its headers then have no
  // `extern "C"` of their own, as a mixed program's C headers usually do).
  bool program_is_c() const {
    const auto& objects = r_.new_release->record.objects;
    return !objects.empty() && std::all_of(objects.begin(), objects.end(), [](const BuildRecordObject& o) {
      return o.source.size() > 2 && o.source.compare(o.source.size() - 2, 2, ".c") == 0;
    });
  }

  // What the compiler itself declares ("<built-in>"), or the system: never included,
  // never written here.
  static bool not_the_programs(const std::string& decl_file) {
    // DWARF readers may join "<built-in>" to the compilation directory.
    return decl_file.rfind("/usr/", 0) == 0 || decl_file.rfind("<", 0) == 0 ||
           std::filesystem::path(decl_file).filename().string().rfind("<", 0) == 0;
  }

  // The header a program type is declared in, as an #include spells it, or "" when none is
  // (a .cpp or .c file) or it is not the program's (the system's, the standard library's).
  std::string header_of(const std::string& decl_file) const {
    if (decl_file.empty() || is_source_file(decl_file) || not_the_programs(decl_file)) return "";
    const BuildRecord& record = r_.new_release->record;
    std::string root = record.source_root;
    if (!root.empty() && root.back() != '/') root += '/';
    std::string relative = decl_file;
    if (decl_file[0] == '/' && !root.empty() && decl_file.rfind(root, 0) == 0) {
      relative = decl_file.substr(root.size());
    } else if (decl_file[0] == '/') {
      if (decl_file.rfind("/usr/", 0) == 0) return "";
      for (std::string dir : record.include_dirs)  // a header outside the sources (generated)
        if (!dir.empty() && decl_file.rfind(dir.back() == '/' ? dir : dir + "/", 0) == 0)
          return decl_file.substr(dir.size() + (dir.back() == '/' ? 0 : 1));
      // A name the build wrote relative (-ffile-prefix-map), which DWARF readers join to the
      // compilation directory: the longest tail of it that is a file under the source root.
      relative.clear();
      for (std::size_t at = decl_file.find('/', 1); at != std::string::npos; at = decl_file.find('/', at + 1)) {
        std::error_code ec;
        if (!root.empty() && std::filesystem::exists(root + decl_file.substr(at + 1), ec)) {
          relative = decl_file.substr(at + 1);
          break;
        }
      }
      if (relative.empty()) return decl_file;
    }
    for (std::string dir : record.include_dirs) {
      if (dir.empty()) continue;
      if (dir.back() != '/') dir += '/';
      if (dir.rfind(root, 0) == 0) dir = dir.substr(root.size());
      if (!dir.empty() && relative.rfind(dir, 0) == 0) return relative.substr(dir.size());
    }
    return relative;
  }

  // A program type that the file must see: through its header, or written here.
  void need_new_type(const std::string& name) {
    if (!visited_.insert(name).second) return;
    auto it = r_.new_release->dwarf.named_types.find(name);
    if (it == r_.new_release->dwarf.named_types.end()) return;
    const TypeNode& n = new_types_.nodes[static_cast<std::size_t>(it->second)];
    if (name.rfind("std::", 0) == 0 || name.rfind("__gnu_cxx::", 0) == 0) return;
    std::string header = header_of(n.decl_file);
    if (!header.empty()) {
      headers_.insert(header);
      return;
    }
    if (not_the_programs(n.decl_file)) return;
    // Here also when DWARF names no file (Clang's DWARF 5 may give file 0, the unit itself).
    spelled_here_.insert(name);
    for (const TypeMember& m : n.members) need_types_of(m.type, false);
  }

  // The program types a declaration of type `id` mentions (on the old side, the unchanged
  // ones, which keep their definitions).
  void need_types_of(int id, bool old_side) {
    std::set<std::string> names;
    collect_named_types(old_side ? r_.old_release->dwarf.types : new_types_, id, names);
    for (const std::string& name : names)
      if (!old_side || !changed_.count(name)) need_new_type(name);
    // Template arguments name types too: std::vector<app::Item>.
    for (const auto& [name, type_id] : r_.new_release->dwarf.named_types)
      for (const std::string& mentioned : names)
        if (mentioned != name && mentioned.find('<') != std::string::npos &&
            in_old_namespace(mentioned, {name}) != mentioned && (!old_side || !changed_.count(name)))
          need_new_type(name);
  }

  // Struct names in an order where members held by value (and containers' elements) come
  // first.
  std::vector<std::string> ordered(const std::set<std::string>& names, const TypeTable& table,
                                   const std::map<std::string, int>& ids, bool old_side) const {
    std::vector<std::string> order;
    std::set<std::string> done;
    std::function<void(const std::string&)> visit = [&](const std::string& name) {
      if (!names.count(name) || !done.insert(name).second) return;
      const TypeNode* n = table.get(ids.at(name));
      for (const TypeMember& m : n->members) {
        const TypeNode* t = table.get(strip_aliases(table, m.type));
        while (t && t->kind == TypeKind::kArray) t = table.get(strip_aliases(table, t->target));
        if (!t || t->kind != TypeKind::kStruct) continue;
        // The old view names its classes from the global scope (::hotswap_old::Shape).
        std::string held = t->name.rfind("::", 0) == 0 ? t->name.substr(2) : t->name;
        for (const std::string& other : names) {
          // As the old view spells it: template arguments from the global scope too.
          std::string spelled = old_side ? globally_qualified(std::string(kOldNamespace) + "::" + other).substr(2) : other;
          if (held == spelled || (held.find('<') != std::string::npos && held.find(spelled) != std::string::npos))
            visit(other);
        }
      }
      order.push_back(name);
    };
    for (const std::string& name : names) visit(name);
    return order;
  }

  // The class a class is nested in, as the old release names it; "" for one in a namespace.
  std::string enclosing_class(const std::string& name) const {
    std::string scope = split_scope(name).first;
    if (scope.empty()) return "";
    const auto& named = r_.old_release->dwarf.named_types;
    auto it = named.find(scope);
    const TypeNode* t = it == named.end() ? nullptr : r_.old_release->dwarf.types.get(it->second);
    return t && t->kind == TypeKind::kStruct ? scope : "";
  }

  // The old layouts, `order` being dependencies first. A class nested in another is written
  // inside it (a namespace of the enclosing class's name would not compile beside it); an
  // enclosing class that did not change is written as a scope that holds only the nested
  // ones (the layout check passes over it: nothing is migrated through it).
  std::string write_old_layouts(const std::vector<std::string>& order, const std::map<std::string, int>& ids) const {
    std::map<std::string, std::vector<std::string>> nested;  // enclosing -> nested, in order
    std::map<std::string, std::size_t> last;                   // outermost class -> its place
    for (std::size_t i = 0; i < order.size(); ++i) {
      // An outermost class comes after everything that it, or a class nested in it, holds.
      std::string name = order[i];
      for (std::string parent = enclosing_class(name); !parent.empty(); parent = enclosing_class(name)) {
        auto& list = nested[parent];
        if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
        name = parent;
      }
      last[name] = i;
    }
    std::vector<std::string> outermost;
    for (const auto& [name, at] : last) outermost.push_back(name);
    std::sort(outermost.begin(), outermost.end(),
              [&last](const std::string& a, const std::string& b) { return last[a] < last[b]; });

    std::ostringstream out;
    std::set<std::string> primaries;  // a class template's, once per scope
    for (const std::string& name : outermost) {
      auto [scope, leaf] = split_scope(name);
      out << "namespace " << kOldNamespace << (scope.empty() ? "" : "::" + scope) << " { ";
      if (auto instance = template_instance(leaf)) {
        if (primaries.insert(scope + "::" + instance->name).second)
          out << template_parameters(*instance) << " struct " << instance->name << "; ";
        out << "template <> struct " << specialization(*instance) << "; }\n";
      } else {
        out << "struct " << leaf << "; }\n";
      }
    }
    out << "\n";
    std::function<std::string(const std::string&, bool)> layout = [&](const std::string& name, bool inside) {
      std::string inner;
      for (const std::string& n : nested[name]) inner += indented(layout(n, true));
      auto id = ids.find(name);
      if (id != ids.end()) return write_layout(old_types_, id->second, name, kOldNamespace, inner, inside);
      auto [scope, leaf] = split_scope(name);  // a scope only
      std::string text = "struct " + leaf + " {  // " + name + ": only the classes nested in it\n" + inner + "};\n";
      if (inside) return text;
      std::string full_scope = std::string(kOldNamespace) + (scope.empty() ? "" : "::" + scope);
      return "namespace " + full_scope + " {\n" + text + "}  // namespace " + full_scope + "\n\n";
    };
    std::ostringstream resets;  // a nested class's hotswap_reset, after its outermost class
    std::function<void(const std::string&)> assert_nested = [&](const std::string& name) {
      for (const std::string& n : nested[name]) {
        if (auto id = ids.find(n); id != ids.end()) {
          out << size_assertion(std::string(kOldNamespace) + "::" + n, old_types_.nodes[static_cast<std::size_t>(id->second)].size);
          resets << write_reset(old_types_, id->second, std::string(kOldNamespace) + "::" + n, true);
        }
        assert_nested(n);
      }
    };
    for (const std::string& name : outermost) {
      std::string text = layout(name, false);
      out << text.substr(0, text.size() - 1);  // its blank line after the nested ones' sizes
      assert_nested(name);
      out << "\n" << resets.str();
      resets.str("");
    }
    return out.str();
  }

  static std::string indented(const std::string& text) {
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out += (line.empty() ? "" : "  ") + line + "\n";
    return out;
  }

  static std::string size_assertion(const std::string& qualified, std::uint64_t size) {
    return "static_assert(sizeof(" + qualified + ") == " + std::to_string(size) + ", \"size of " + qualified +
           " differs from DWARF\");\n";
  }

  // An enumeration as DWARF gives it: its enumerators, and its underlying type (DWARF's,
  // else the C rule: int if its values fit, else unsigned int, of its size).
  std::string write_enum(const TypeTable& table, int id, const std::string& name) const {
    const TypeNode& n = table.nodes[static_cast<std::size_t>(id)];
    auto [scope, leaf] = split_scope(name);
    std::string base = n.target >= 0 ? spell_type(table, n.target) : "";
    if (base.empty()) {
      bool negative = std::any_of(n.enumerators.begin(), n.enumerators.end(), [](const auto& e) { return e.second < 0; });
      base = n.size == 8 ? (negative ? "long" : "unsigned long")
             : n.size == 2 ? (negative ? "short" : "unsigned short")
             : n.size == 1 ? (negative ? "signed char" : "unsigned char")
                           : (negative ? "int" : "unsigned int");
    }
    std::ostringstream out;
    if (!scope.empty()) out << "namespace " << scope << " {\n";
    out << "enum " << leaf << " : " << base << " {  // " << name << ", " << n.size << " bytes\n";
    for (const auto& [enumerator, value] : n.enumerators) out << "  " << enumerator << " = " << value << ",\n";
    out << "};\n";
    if (!scope.empty()) out << "}  // namespace " << scope << "\n";
    out << "\n";
    return out.str();
  }

  // The struct as DWARF lays it out, in namespace `ns` (nested with its own scope), or
  // `inside` the class that encloses it; `nested`: the definitions of the classes nested in
  // it, written first in its body.
  std::string write_layout(const TypeTable& table, int id, const std::string& name, const std::string& ns,
                           const std::string& nested = "", bool inside = false) const {
    const TypeNode& n = table.nodes[static_cast<std::size_t>(id)];
    auto [scope, leaf] = split_scope(name);
    std::string full_scope = ns.empty() ? scope : scope.empty() ? ns : ns + "::" + scope;
    std::ostringstream out, bases;
    std::uint64_t cursor = 0, max_align = 1;
    int pads = 0;
    std::size_t index = 0;
    for (const TypeMember& m : n.members) {
      ++index;
      const TypeNode* t = table.get(defined_type(table, m.type));
      std::uint64_t size = t ? t->size : 0;
      std::uint64_t natural = alignment(table, m.type);
      std::uint64_t align = std::max<std::uint64_t>(natural, m.alignment);  // an alignas of its own
      max_align = std::max(max_align, align);
      if (m.is_base) {
        std::string base = spell_declaration(table, m.type, "");
        if (!base.empty()) {
          bases << (bases.tellp() ? ", " : " : ") << "public " << base;
          cursor = m.offset + size;
          continue;
        }
      }
      std::string member = m.is_base ? "base_" + std::to_string(index) : member_name(m, index);
      if (!m.is_base && is_vtable_pointer(m.name)) {
        // The old layout is a plain struct: no virtual function of it is ever called, and an
        // object of it is never built but as a copy of the old one's bytes. Its vtable
        // pointer is bytes in their place (the layout check takes bytes as padding).
        out << "  alignas(8) unsigned char hotswap_vtable_pointer[8];  // " << m.name << "\n";
        cursor = m.offset + 8;
        max_align = std::max<std::uint64_t>(max_align, 8);
        continue;
      }
      if (m.bit_size) {
        std::string decl = spell_declaration(table, m.type, member);
        out << "  " << (decl.empty() ? "unsigned " + member : decl) << " : " << m.bit_size << ";\n";
        cursor = std::max<std::uint64_t>(cursor, (m.bit_offset + m.bit_size + 7) / 8);
        continue;
      }
      if (round_up(cursor, align) != m.offset && m.offset > cursor) {
        out << "  unsigned char pad_" << pads++ << "[" << (m.offset - cursor) << "];\n";
        cursor = m.offset;
      }
      std::string decl = spell_declaration(table, m.type, member);
      if (decl.empty() || (t && t->kind == TypeKind::kStruct && t->keyword == "union" && t->name.empty()))
        out << "  alignas(" << align << ") unsigned char " << member << "[" << size << "];  // "
            << spell_type(table, m.type) << ", carried as bytes\n";
      else
        out << "  " << (align > natural ? "alignas(" + std::to_string(align) + ") " : "") << decl << ";\n";
      cursor = m.offset + size;
    }
    if (round_up(cursor, max_align) < n.size) out << "  unsigned char tail_pad[" << (n.size - cursor) << "];\n";
    std::string keyword = n.keyword == "union" ? "union" : "struct";
    std::string qualified = full_scope.empty() ? leaf : full_scope + "::" + leaf;
    std::ostringstream whole;
    if (!full_scope.empty() && !inside) whole << "namespace " << full_scope << " {\n";
    auto instance = template_instance(leaf);  // an explicit specialization (transform_spelling.h)
    whole << (instance ? "template <> " : "") << keyword << " " << (instance ? specialization(*instance) : leaf)
          << bases.str() << " {  // " << name << ", " << n.size << " bytes\n" << nested
          << out.str() << "};\n";
    if (inside) return whole.str();  // its size is asserted after the outermost class
    if (!full_scope.empty()) whole << "}  // namespace " << full_scope << "\n";
    whole << size_assertion(qualified, n.size) << "\n";
    if (!ns.empty())  // an old layout (a new class's overload comes with its transformers)
      whole << write_reset(table, id,
                           instance ? (full_scope.empty() ? "" : full_scope + "::") + specialization(*instance) : qualified,
                           true);
    return whole.str();
  }

  // A class without a default constructor in the transform unit cannot be emptied by
  // building it anew: an old layout holding a std::unordered_map keyed by an old layout
  // (itself, through a member or a base; the map's std::hash is disabled there), or a class
  // with a reference member. An instance that moved (the old one after the update, a new
  // one a failed migration built) is emptied member by member, base by base, through the
  // hotswap_reset overload written here, or given up without destroying what it holds
  // (hotswap_abandon; "" for a class that needs neither). A reference member is left
  // alone: it owns nothing, and resetting it would reset what it refers to.
  std::string write_reset(const TypeTable& table, int id, const std::string& qualified, bool old_layout) const {
    const TypeNode& n = table.nodes[static_cast<std::size_t>(id)];
    auto reference = [&table](const TypeMember& m) { return is_reference_member(table, m); };
    bool keyed = old_layout && holds_keyed_by_old_layout(table, id);
    if (!keyed && std::none_of(n.members.begin(), n.members.end(), reference)) return "";
    // A class with virtual functions (of the new release) is left to the static_assert that
    // asks for it: emptying a base of it would call its virtual destructor, on the whole.
    if (!old_layout && is_polymorphic(table, id)) return "";
    std::ostringstream whole;
    whole << "// " << qualified
          << (keyed ? " holds a std::unordered_map keyed by an old layout, whose std::hash is disabled\n// here"
                    : " has a reference member")
          << ": no default constructor. Emptied member by member after it moved, or given up\n"
          << "// (its objects left allocated) after a failed migration.\n";
    if (keyed)  // its instances cannot be destroyed here: nor can a container of them (transform_impl.h)
      whole << "inline " << qualified << "* hotswap_keyed_by_old_layout(" << qualified << "* x) { return x; }\n";
    for (const char* action : {"reset", "abandon"}) {
      whole << "inline void hotswap_" << action << "(" << qualified << "& x) {\n";
      write_reset_members(table, id, "x", old_layout, action, false, whole);
      whole << "}\n";
    }
    whole << "\n";
    return whole.str();
  }

  // The statements that empty (reset) or give up (abandon) the members of `object`, of
  // class `id`. A base is emptied whole, as an object of its own, unless it is a virtual
  // base or a member of the class lies in its tail padding (the Itanium ABI puts one there
  // when the base is not a POD): building the base anew as a complete object writes all
  // its bytes, the padding too (Clang zeroes it), so such a base is emptied member by
  // member, and so are all the bases inside it (`inside_shared`).
  void write_reset_members(const TypeTable& table, int id, const std::string& object, bool old_layout,
                           const char* action, bool inside_shared, std::ostream& out) const {
    const TypeNode* n = table.get(defined_type(table, id));
    if (!n) return;
    auto reference = [&table](const TypeMember& m) { return is_reference_member(table, m); };
    std::size_t at = 0;
    for (const TypeMember& m : n->members) {
      ++at;
      if (is_vtable_pointer(m.name)) continue;
      if (m.is_base) {
        std::string base = spell_declaration(table, m.type, "");
        if (base.empty()) continue;
        std::string subobject = "static_cast<" + base + "&>(" + object + ")";
        const TypeNode* base_node = table.get(defined_type(table, m.type));
        bool empty = base_node && std::none_of(base_node->members.begin(), base_node->members.end(),
                                               [](const TypeMember& b) { return !is_vtable_pointer(b.name); });
        if (empty) {
          out << "  // " << base << ": an empty base, nothing to empty\n";
        } else if (inside_shared || m.virtual_base || tail_shared(table, *n, m)) {
          out << "  // " << base << ": emptied member by member (building it anew would write over "
              << (m.virtual_base ? "what lies around a virtual base" : "the members in its tail padding") << ")\n";
          bool base_is_old_layout = base.find(std::string(kOldNamespace) + "::") != std::string::npos;
          write_reset_members(table, m.type, subobject, base_is_old_layout, action, true, out);
        } else {
          out << "  hotswap::" << action << "_member(" << subobject << ");\n";
        }
        continue;
      }
      if (m.name.empty() && !old_layout) {  // the program's anonymous union or struct
        out << "  // an anonymous member: left as it is\n";
        continue;
      }
      std::string member = object + "." + member_name(m, at);
      if (reference(m))
        out << "  // " << member_name(m, at) << ": a reference, it owns nothing\n";
      else if (m.bit_size)
        out << "  " << member << " = {};\n";
      else
        out << "  hotswap::" << action << "_member(" << member << ");\n";
    }
  }

  static bool is_reference_member(const TypeTable& table, const TypeMember& m) {
    const TypeNode* t = table.get(strip_aliases(table, m.type));
    return !m.is_base && t && (t->kind == TypeKind::kReference || t->kind == TypeKind::kRvalueReference);
  }

  // Whether another member or base of `n` lies inside the bytes of its base `base`: in the
  // base's tail padding, or an empty base sharing its address.
  static bool tail_shared(const TypeTable& table, const TypeNode& n, const TypeMember& base) {
    const TypeNode* b = table.get(defined_type(table, base.type));
    std::uint64_t size = b ? b->size : 0;
    for (const TypeMember& m : n.members) {
      if (&m == &base || m.virtual_base) continue;
      std::uint64_t offset = m.bit_size ? m.bit_offset / 8 : m.offset;
      if (offset >= base.offset && offset < base.offset + size) return true;
    }
    return false;
  }

  // Whether an old layout holds (in a member, or a member's old layout) a std::unordered_*
  // keyed by an old layout: its std::hash is disabled in the transform unit, which leaves
  // the class without a default constructor there.
  bool holds_keyed_by_old_layout(const TypeTable& table, int id, int depth = 0) const {
    const TypeNode* n = table.get(defined_type(table, id));
    if (!n || depth > 16) return false;
    if (n->kind == TypeKind::kArray) return holds_keyed_by_old_layout(table, n->target, depth + 1);
    if (n->kind != TypeKind::kStruct) return false;
    // The old view names a changed class in hotswap_old (from the global scope).
    auto declared = [this](std::string name) {
      if (name.rfind("::", 0) == 0) name.erase(0, 2);
      std::string prefix = std::string(kOldNamespace) + "::";
      if (name.rfind(prefix, 0) == 0) name.erase(0, prefix.size());
      return changed_.count(name) > 0;
    };
    std::string_view library = n->name;
    if (library.substr(0, 2) == "::") library.remove_prefix(2);
    if (library.rfind("std::unordered_", 0) == 0 && !n->template_arguments.empty()) {
      const TypeNode* key = table.get(defined_type(table, n->template_arguments.front()));
      return key && key->kind == TypeKind::kStruct && declared(key->name);
    }
    if (depth > 0 && !declared(n->name)) return false;
    return std::any_of(n->members.begin(), n->members.end(),
                       [&](const TypeMember& m) { return holds_keyed_by_old_layout(table, m.type, depth + 1); });
  }

  // One direction's transformer of a changed type, from the member pairing the type
  // comparison made (TypeChange::members).
  std::string write_overload(const TypeChange& c, bool inverse) const {
    const TypeTable& from_table = inverse ? new_types_ : old_types_;
    const TypeTable& to_table = inverse ? old_types_ : new_types_;
    std::string old_name = std::string(kOldNamespace) + "::" + c.name;
    std::ostringstream out;
    if (inverse)
      out << "// " << c.name << ", back to the old layout (revert).\n";
    else {
      out << "// " << c.name << ":";
      for (const auto& d : c.details) out << " " << d << ";";
      out << "\n";
    }
    out << "bool hotswap_transform(const " << (inverse ? c.name : old_name) << "& from, "
        << (inverse ? old_name : c.name) << "& to) {\n";
    std::ostringstream dropped;
    for (const MemberPair& p : c.members) {
      const TypeMember* f = inverse ? p.new_member : p.old_member;
      const TypeMember* t = inverse ? p.old_member : p.new_member;
      if (is_vtable_pointer(p.name)) {
        out << (inverse ? "  // the vtable pointer: hotswap::transform gives `to` the new object's before this runs\n"
                        : "  // the vtable pointer is not carried: `to` was built with its own\n");
        continue;
      }
      if (!t) {  // only `from` has it
        dropped << "  // " << p.name << (inverse ? " is new: dropped on revert\n" : " was removed: its value is dropped\n");
        continue;
      }
      if (t->is_base) {
        std::string to_base = spell_declaration(to_table, t->type, "");
        if (!f || to_base.empty()) {
          out << "  // base " << spell_type(to_table, t->type) << " is new: it keeps what the default constructor gave it\n";
          continue;
        }
        out << "  if (!hotswap::transform(static_cast<const " << spell_declaration(from_table, f->type, "")
            << "&>(from), static_cast<" << to_base << "&>(to))) return false;\n";
        continue;
      }
      const std::string& name = p.name;
      if (const TypeNode* r = to_table.get(strip_aliases(to_table, t->type));
          f && r && (r->kind == TypeKind::kReference || r->kind == TypeKind::kRvalueReference)) {
        // Bound by the constructor that built `to`; assigning through it would write the
        // object it refers to (and a failed migration would not undo that).
        out << "  // " << name << ": a reference, bound where `to` was built; not carried\n";
        continue;
      }
      if (!f) {
        out << "  // " << name << (inverse ? " is not in the new layout: it starts value-initialized\n"
                                           : " is new: it keeps what the default constructor gave it\n");
        continue;
      }
      bool spelled = !spell_declaration(from_table, f->type, "x").empty() && !spell_declaration(to_table, t->type, "x").empty();
      if (std::string held = bytes_for_argument(new_types_, c.new_id, *p.new_member, changed_); !held.empty()) {
        out << "  return hotswap::refuse(\"TODO: carry " << c.name << "::" << name
            << " by hand\");  // bytes that may hold " << held << ", whose layout changed: copied, they keep the old one\n";
      } else if (!p.same_type &&  // the old release's own names (old_types_ renames the changed classes)
                 !entries_alike(r_.old_release->dwarf.types, p.old_member->type, new_types_, p.new_member->type)) {
        out << "  return hotswap::refuse(\"TODO: carry " << c.name << "::" << name
            << " by hand\");  // a function's entry retyped " << spell_type(from_table, f->type) << " -> "
            << spell_type(to_table, t->type) << ": called through the new type, the function gets the wrong arguments\n";
      } else if (t->bit_size || f->bit_size) {
        // A bit-field: the value must fit the type, then the width (read back).
        std::string refusal = "return hotswap::refuse(\"" + c.name + "::" + name + " out of range\");";
        out << "  if (!hotswap::fits<decltype(to." << name << ")>(from." << name << ")) " << refusal << "\n"
            << "  to." << name << " = static_cast<decltype(to." << name << ")>(from." << name << ");\n"
            << "  if (static_cast<long long>(to." << name << ") != static_cast<long long>(from." << name << ")) "
            << refusal << "\n";
      } else if (!spelled) {
        if (p.same_type && p.plain)
          out << "  std::memcpy(&to." << name << ", &from." << name << ", sizeof to." << name << ");\n";
        else
          out << "  return hotswap::refuse(\"TODO: carry " << c.name << "::" << name
              << " by hand\");  // its type cannot be spelled here: " << spell_type(to_table, t->type) << "\n";
      } else {
        out << "  if (!hotswap::transform(from." << name << ", to." << name << ")) return false;";
        if (!p.same_type) out << "  // " << spell_type(from_table, f->type) << " -> " << spell_type(to_table, t->type);
        const TypeNode* pointer = to_table.get(strip_aliases(to_table, t->type));
        const TypeNode* pointee = pointer && pointer->kind == TypeKind::kPointer
                                      ? to_table.get(strip_aliases(to_table, pointer->target))
                                      : nullptr;
        std::string pointee_name = pointee ? pointee->name : "";
        if (pointee_name.rfind("::", 0) == 0) pointee_name.erase(0, 2);
        if (pointee_name.rfind(std::string(kOldNamespace) + "::", 0) == 0) pointee_name.erase(0, std::string_view(kOldNamespace).size() + 2);
        if (pointee && pointee->kind == TypeKind::kStruct && changed_.count(pointee_name))
          // A raw pointer is forwarded to wherever its object moves; nothing moves an object
          // that raw pointers own, so the generator cannot know. The user can.
          out << "\n  // (forwarded: if raw pointers alone own its object, this one among them, write\n"
              << "  //  hotswap::migrate_once(from." << name << ", to." << name << ") instead)";
        out << "\n";
      }
    }
    out << dropped.str() << "  return true;\n}\n\n";
    return out.str();
  }

  std::string write_stub(const SignatureChange& c) const {
    std::ostringstream out;
    out << "// Signature changed: " << c.old_signature << "  ->  " << c.new_signature << "\n"
        << "// Whoever still holds the old entry (a function pointer, a caller outside the patch) enters this\n"
        << "// stub with the old arguments; it calls the new function.\n";
    const TypeTable& old_table = r_.old_release->dwarf.types;
    auto scalar = [](const TypeTable& t, int id) {
      const TypeNode* n = t.get(strip_aliases(t, id));
      return id < 0 || (n && (n->kind == TypeKind::kBase || n->kind == TypeKind::kEnum || n->kind == TypeKind::kPointer));
    };
    auto spell = [](const TypeTable& t, int id, const std::string& name) {
      const TypeNode* n = t.get(strip_aliases(t, id));
      if (n && n->kind == TypeKind::kPointer) return "void*" + std::string(name.empty() ? "" : " " + name);
      if (n && n->kind == TypeKind::kEnum) {
        std::string underlying = n->target >= 0 ? spell_type(t, n->target) : "int";
        return underlying + (name.empty() ? "" : " " + name);
      }
      return declare(t, strip_aliases(t, id), name);
    };
    bool ok = c.old_function && c.new_function && scalar(old_table, c.old_function->return_type) &&
              scalar(new_types_, c.new_function->return_type);
    for (const auto& p : ok ? c.old_function->parameters : decltype(c.old_function->parameters){})
      ok = ok && scalar(old_table, p.second);
    for (const auto& p : ok ? c.new_function->parameters : decltype(c.new_function->parameters){})
      ok = ok && scalar(new_types_, p.second);
    if (!ok) {
      out << "// TODO: write extern \"C\" " << stub_symbol(c.old_symbol)
          << " by hand: its types are not all scalars\n\n";
      return out.str();
    }
    auto ret = [&](const TypeTable& t, int id) { return id < 0 ? std::string("void") : spell(t, id, ""); };
    std::string callee = "hotswap_new_" + identifier(c.new_symbol.name);
    out << "extern \"C\" " << ret(new_types_, c.new_function->return_type) << " " << callee << "(";
    for (std::size_t i = 0; i < c.new_function->parameters.size(); ++i)
      out << (i ? ", " : "") << spell(new_types_, c.new_function->parameters[i].second, "");
    out << ") __asm__(\"" << c.new_symbol.name << "\");\n";
    out << "extern \"C\" " << ret(old_table, c.old_function->return_type) << " " << stub_symbol(c.old_symbol) << "(";
    // A member function's object comes first, named `this` in DWARF: a C++ keyword here.
    auto parameter = [](const std::string& name, std::size_t i) {
      return name.empty() ? "arg" + std::to_string(i) : name == "this" ? std::string("self") : name;
    };
    std::map<std::string, int> old_params;
    for (std::size_t i = 0; i < c.old_function->parameters.size(); ++i) {
      const auto& [name, type] = c.old_function->parameters[i];
      std::string pname = parameter(name, i);
      old_params[pname] = type;
      out << (i ? ", " : "") << spell(old_table, type, pname);
    }
    out << ") {\n  ";
    if (c.old_function->return_type >= 0) out << "return static_cast<" << ret(old_table, c.old_function->return_type) << ">(";
    out << callee << "(";
    for (std::size_t i = 0; i < c.new_function->parameters.size(); ++i) {
      const auto& [new_name, type] = c.new_function->parameters[i];
      std::string name = parameter(new_name, i);
      out << (i ? ", " : "");
      if (old_params.count(name)) out << "static_cast<" << spell(new_types_, type, "") << ">(" << name << ")";
      else out << "{} /* TODO: new parameter " << name << " */";
    }
    out << (c.old_function->return_type >= 0 ? "));\n}\n\n" : ");\n}\n\n");
    return out.str();
  }

  const DiffResult& r_;
  const TypeTable& new_types_;
  TypeTable old_types_;
  TypeTable spelled_types_;  // new_types_ without typedefs, for the classes written here
  std::set<std::string> changed_;
  std::set<std::string> headers_;
  std::set<std::string> spelled_here_;
  std::set<std::string> visited_;
};

}  // namespace

DatumSymbols datum_symbols(const SymbolRef& datum) {
  std::string id = "data_" + identifier(datum.file.empty() ? datum.name : datum.file + "::" + datum.name);
  return {"hotswap_transform_" + id, "hotswap_inverse_" + id, "hotswap_discard_" + id, "hotswap_has_inverse_" + id,
          "hotswap_note_" + id};
}

std::string stub_symbol(const SymbolRef& old_function) {
  return "hotswap_stub_" + identifier(old_function.file.empty() ? old_function.name
                                                                : old_function.file + "::" + old_function.name);
}

namespace {

// Whether a template argument that is a plain qualified name ("app::Green", "int") names a
// type the old release knows. Clang names an unscoped enumerator argument by its name
// (Box<app::Green>), which reads like a type and is not one.
bool names_a_type(const DwarfInfo& info, const std::string& argument) {
  if (info.named_types.count(argument)) return true;
  return std::any_of(info.types.nodes.begin(), info.types.nodes.end(), [&](const TypeNode& n) {
    return n.name == argument && n.kind != TypeKind::kFunction && n.kind != TypeKind::kOther;
  });
}

bool plain_name(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  });
}

// Why the file cannot declare the changed program type `name`; "" if it can (or need not:
// the standard library's types are spelled from the program's, and a type no C++ can name
// is carried as bytes).
std::string undeclarable(const DiffResult& r, const std::string& name) {
  if (library_type(name) || !spellable_name(name)) return "";
  const DwarfInfo& old_info = r.old_release->dwarf;
  if (old_info.ambiguous_types.count(name) || r.new_release->dwarf.ambiguous_types.count(name))
    return "the compiler gives its name to two different types (A<5> and A<5L>?), which cannot be told apart";
  auto [scope, leaf] = split_scope(name);
  if (scope.find('<') != std::string::npos) return "a class nested in an instance of a class template";
  auto instance = template_instance(leaf);
  if (!instance) return declared_in_transform(name) ? "" : "a name the transform file cannot write back";
  if (names_struct(old_info, scope, TypeKind::kStruct)) return "an instance of a class template nested in a class";
  if (auto it = r.new_release->dwarf.named_types.find(name); it != r.new_release->dwarf.named_types.end())
    if (const TypeNode* t = r.new_release->dwarf.types.get(it->second); t && is_source_file(t->decl_file))
      return "an instance of a class template defined in a source file, which the transform file cannot include";
  // What each argument is, as DWARF tells (without a pack, whose arguments it does not
  // delimit): Clang names an unscoped enumerator argument by its name (Box<app::Green>),
  // which reads like a type.
  std::string kinds;
  if (auto it = old_info.named_types.find(name); it != old_info.named_types.end())
    if (const TypeNode* t = old_info.types.get(it->second); t && t->template_parameters.find('p') == std::string::npos &&
                                                           t->template_parameters.size() == instance->arguments.size())
      kinds = t->template_parameters;
  for (std::size_t i = 0; i < instance->arguments.size(); ++i) {
    const std::string& a = instance->arguments[i];
    char kind = kinds.empty() ? '?' : kinds[i];
    if (a.empty()) return "a template argument DWARF does not name";
    if (a.find("...") != std::string::npos) return "a template argument the transform file cannot write back (" + a + ")";
    if (kind == 'T') return "a template argument that is a template (" + a + ")";
    if (kind == 't') continue;  // a type: spelled as DWARF names it
    if (a[0] == '&' || a.rfind("(&", 0) == 0 || a == "nullptr" || a.rfind("(nullptr", 0) == 0)
      return "a template argument that is a pointer (" + a + ")";
    if (std::isdigit(static_cast<unsigned char>(a[0])) || a[0] == '-' || a[0] == '(' || a[0] == '\'' || a == "true" ||
        a == "false")
      continue;
    if (names_struct(old_info, split_scope(a).first, TypeKind::kEnum))
      return "a template argument that is an enumerator (" + a + ")";
    if (kind == 'v' && plain_name(a)) return "a template argument that is an enumerator (" + a + ")";
    if (kind == '?' && plain_name(a) && !names_a_type(old_info, a))
      return "a template argument that names no type the old release has (an enumerator? " + a + ")";
    if (!old_info.named_types.count(a))
      for (const auto& [other, id] : old_info.named_types)
        if (other.rfind(a + "<", 0) == 0) return "a template argument that is a template (" + a + ")";
  }
  // Whatever else keeps the name out of the file is a refusal too, never a silent omission.
  return declared_in_transform(name) ? "" : "a name the transform file cannot write back";
}

}  // namespace

std::set<std::string> declared_types(const DiffResult& r) {
  std::set<std::string> out;
  for (const auto* list : {&r.types.types, &r.types.reaching})
    for (const TypeChange& c : *list)
      if (declared_in_transform(c.name) && undeclarable(r, c.name).empty()) out.insert(c.name);
  return out;
}

std::set<std::string> undeclared_types(const DiffResult& r) {
  std::set<std::string> declared = declared_types(r), out;
  for (const auto* list : {&r.types.types, &r.types.reaching})
    for (const TypeChange& c : *list)
      if (!library_type(c.name) && !declared.count(c.name)) out.insert(c.name);
  return out;
}

std::vector<std::string> undeclarable_types(const DiffResult& r) {
  std::vector<std::string> out;
  for (const auto* list : {&r.types.types, &r.types.reaching})
    for (const TypeChange& c : *list)
      if (std::string why = undeclarable(r, c.name); !why.empty()) out.push_back(c.name + ": " + why);
  return out;
}

std::string generate_transform_source(const DiffResult& r) { return Writer(r).generate(); }

}  // namespace hotswap::diff
