#include "runtime/start_options.h"

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hotswap {
namespace {

// secure_getenv: a setuid or setgid process takes no setting from its caller's environment.
const char* environment(const char* name) {
  const char* value = secure_getenv(name);
  return value && *value ? value : nullptr;
}

// A keys file is a regular file read whole: a directory, a FIFO or a read error is an
// error, never an empty list of keys.
Expected<std::string> read_whole(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error("cannot read " + path + ": " + std::strerror(errno));
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return make_error(path + " is not a regular file");
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string why = std::strerror(errno);
      close(fd);
      return make_error("cannot read " + path + ": " + why);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > (1u << 20)) {
      close(fd);
      return make_error(path + " is larger than 1 MiB: not a keys file");
    }
  }
  close(fd);
  return text;
}

std::string join_ids(const auto& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

// The trust policy, or why it cannot be read.
Expected<TrustPolicy> trust_from(const StartOptions& options) {
  TrustPolicy policy;
  std::string file = options.trusted_keys_file;
  std::string origin;
  if (!file.empty()) {
    origin = "keys file " + file;
  } else if (options.trusted_keys.empty()) {
    if (const char* named = secure_getenv("HOTSWAP_TRUSTED_KEYS")) {
      // Set but empty (a template left blank) is a policy that cannot be read, not none.
      if (!*named) return make_error("$HOTSWAP_TRUSTED_KEYS is set but empty");
      file = named;
      origin = "$HOTSWAP_TRUSTED_KEYS=" + file;
    }
  }
  // Set, even empty (a template left blank), and not "0": required.
  const char* required = secure_getenv("HOTSWAP_REQUIRE_SIGNATURES");
  policy.enforced = options.require_signatures || !options.trusted_keys.empty() || !file.empty() ||
                    (required && std::string_view(required) != "0");
  for (const std::string& line : options.trusted_keys) {
    auto key = parse_public_key(line);
    if (!key) return make_error("a trusted key given to hotswap::start(): " + key.error().message);
    if (std::find(policy.keys.begin(), policy.keys.end(), *key) == policy.keys.end()) policy.keys.push_back(*key);
  }
  if (!options.trusted_keys.empty()) origin = (origin.empty() ? "" : origin + " and ") + "keys given to hotswap::start()";
  if (!file.empty()) {
    auto text = read_whole(file);
    if (!text) return make_error("trusted keys: " + text.error().message);
    auto keys = parse_trusted_keys(*text);
    if (!keys) return make_error("trusted keys " + file + ": " + keys.error().message);
    for (const PublicKey& k : *keys)
      if (std::find(policy.keys.begin(), policy.keys.end(), k) == policy.keys.end()) policy.keys.push_back(k);
  }
  if (policy.enforced && origin.empty()) origin = "signatures required";
  policy.origin = origin;
  return policy;
}

// Whether $HOTSWAP_CONTROL turns the control plane off: off, no, false, 0 (any case).
bool control_off_in_environment() {
  const char* value = environment("HOTSWAP_CONTROL");
  if (!value) return false;
  std::string v(value);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "off" || v == "no" || v == "false" || v == "0";
}

Expected<AccessPolicy> access_from(const StartOptions& options) {
  AccessPolicy access;
  access.uids.assign(options.allowed_uids.begin(), options.allowed_uids.end());
  access.gids.assign(options.allowed_gids.begin(), options.allowed_gids.end());
  if (!access.restricted()) {
    // Set but empty (a template left blank) is a list that does not parse, not no list.
    for (const char* name : {"HOTSWAP_ALLOWED_UIDS", "HOTSWAP_ALLOWED_GIDS"})
      if (const char* text = secure_getenv(name); text && !*text) return make_error(std::string("$") + name + " is set but empty");
    if (const char* text = environment("HOTSWAP_ALLOWED_UIDS")) {
      auto ids = parse_id_list(text);
      if (!ids) return make_error("$HOTSWAP_ALLOWED_UIDS: " + ids.error().message);
      access.uids.assign(ids->begin(), ids->end());
    }
    if (const char* text = environment("HOTSWAP_ALLOWED_GIDS")) {
      auto ids = parse_id_list(text);
      if (!ids) return make_error("$HOTSWAP_ALLOWED_GIDS: " + ids.error().message);
      access.gids.assign(ids->begin(), ids->end());
    }
  }
  access.control_plane = options.control_plane && !control_off_in_environment();
  return access;
}

}  // namespace

std::string AccessPolicy::describe() const {
  std::string out = control_plane ? "" : "control plane off; ";
  if (!restricted()) return out + "changes by this process's user and root";
  std::string who;
  if (!uids.empty()) who = "uid " + join_ids(uids);
  if (!gids.empty()) who += (who.empty() ? "" : " or ") + std::string("gid ") + join_ids(gids);
  return out + "changes by " + who + " only";
}

bool access_allowed(const AccessPolicy& policy, const PeerIdentity& peer) {
  if (!policy.restricted()) return peer.uid == 0 || peer.uid == getuid();
  if (std::find(policy.uids.begin(), policy.uids.end(), peer.uid) != policy.uids.end()) return true;
  for (gid_t g : peer.groups)
    if (std::find(policy.gids.begin(), policy.gids.end(), g) != policy.gids.end()) return true;
  return false;
}

Policies policies_from(const StartOptions& options) {
  Policies out;
  auto trust = trust_from(options);
  if (trust) {
    out.trust = std::move(*trust);
  } else {
    out.problem = trust.error().message + ": every patch is refused until the process restarts with a readable policy";
    out.trust.enforced = true;  // no key: refuses every patch
    out.trust.origin = "unreadable: " + trust.error().message;
  }
  auto access = access_from(options);
  if (access) {
    out.access = std::move(*access);
  } else {
    std::string problem = access.error().message + ": the control socket stays off";
    out.problem = out.problem.empty() ? problem : out.problem + "; " + problem;
    // A list that was meant to narrow who may change the process must not widen it by
    // being misspelled: no socket at all.
    out.access.uids = {static_cast<uid_t>(-1)};
    out.access.control_plane = false;
  }
  // A process that gained privileges at exec (setuid, setgid, file capabilities) serves no
  // socket: its user's other processes must not reach across that boundary.
  if (getauxval(AT_SECURE)) out.access.control_plane = false;
  return out;
}

Expected<std::vector<unsigned>> parse_id_list(std::string_view text) {
  std::vector<unsigned> ids;
  while (true) {
    std::size_t comma = text.find(',');
    std::string item(text.substr(0, comma));
    item.erase(std::remove_if(item.begin(), item.end(), [](char c) { return c == ' ' || c == '\t'; }), item.end());
    if (item.empty() || item.size() > 10 || !std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return make_error("\"" + item + "\" is not a uid or gid (a list is numbers separated by commas)");
    unsigned long value = std::strtoul(item.c_str(), nullptr, 10);
    if (value >= 0xffffffffUL) return make_error(item + " is out of range for an id");
    ids.push_back(static_cast<unsigned>(value));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return ids;
}

}  // namespace hotswap
