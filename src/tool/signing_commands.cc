// `hotswap keygen | sign | verify` (docs/signing.md): Ed25519 keys, signing a patch in
// place, and checking one as a process with a trust policy would.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/elf_file.h"
#include "common/patch_identity.h"
#include "common/patch_signature.h"
#include "tool/commands.h"

namespace hotswap {
namespace {

Expected<std::string> read_text(const std::string& path, std::size_t most) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("cannot read " + path + ": " + std::strerror(errno));
  std::string text(most + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > most) return make_error(path + " is too large for a key file");
  return text;
}

// Writes a new file (never over an existing one) with `mode`, whole or not at all.
Status write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return make_error("cannot create " + path + ": " + std::strerror(errno));
  bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  written = fsync(fd) == 0 && written;
  written = close(fd) == 0 && written;
  if (!written) {
    unlink(path.c_str());
    return make_error("cannot write " + path);
  }
  return Status::success();
}

Expected<SecretKey> read_secret_key(const std::string& path) {
  auto text = read_text(path, 4096);
  if (!text) return text.error();
  auto key = parse_secret_key(*text);
  if (!key) return make_error(path + ": " + key.error().message);
  struct stat st{};
  if (stat(path.c_str(), &st) == 0 && (st.st_mode & 077))
    std::cerr << "hotswap: warning: " << path << " is readable by other users (chmod 600 it)\n";
  return key;
}

// The patch read and identified, or why not; `bytes` keeps what `elf` points into.
struct LoadedPatch {
  std::unique_ptr<ElfFile> elf;
  PatchIdentity identity;
};
Expected<LoadedPatch> load_patch(const std::string& path) {
  auto elf = ElfFile::open(path);
  if (!elf) return make_error("not a patch: " + elf.error().message);
  auto identity = identify_patch(*elf, path);
  if (!identity) return identity.error();
  return LoadedPatch{std::make_unique<ElfFile>(std::move(*elf)), std::move(*identity)};
}

}  // namespace

int run_keygen(const KeygenOptions& o) {
  auto pair = generate_key_pair();
  if (!pair) {
    std::cerr << "hotswap: keygen: " << pair.error().message << "\n";
    return kExitRefused;
  }
  std::string pub = o.output + ".pub";
  for (const std::string& path : {o.output, pub})
    if (std::filesystem::exists(path)) {
      std::cerr << "hotswap: keygen: " << path << " exists: not overwritten (remove it, or choose another name)\n";
      return kExitRefused;
    }
  Status s = write_new_file(o.output, secret_key_text(pair->secret), 0600);
  if (s) {
    s = write_new_file(pub, pair->public_key.line() + " " + pair->public_key.id() + "\n", 0644);
    if (!s) unlink(o.output.c_str());
  }
  if (!s) {
    std::cerr << "hotswap: keygen: " << s.message() << "\n";
    return kExitRefused;
  }
  std::cout << "key " << pair->public_key.id() << ": secret key in " << o.output << ", public key in " << pub << "\n";
  return kExitDone;
}

Status signing_key_usable(const std::string& key) {
  auto read = read_secret_key(key);
  if (!read) return read.error();
  return Status::success();
}

Status sign_patch_file(const std::string& patch, const std::string& key_path, std::string& key_id) {
  if (!crypto_ready()) return make_error("libsodium could not be initialized");
  auto key = read_secret_key(key_path);
  if (!key) return key.error();
  auto loaded = load_patch(patch);
  if (!loaded) return loaded.error();
  if (!loaded->identity.has_signature_section)
    return make_error(patch + " has no " + kSignatureSection + " section to sign in (made by an earlier hotswap, or "
                      "stripped): make it again");
  auto section = sign_patch_id(*key, loaded->identity.manifest.patch_id);
  // The bytes read and checked, with the signature in, go to a new file beside the patch
  // (its real path, if it is a symlink), renamed over it: a reader sees the unsigned patch
  // or the signed one, never half of a signature, and no other file is ever written.
  std::error_code ec;
  std::filesystem::path target = std::filesystem::canonical(patch, ec);
  if (ec) return make_error("cannot resolve " + patch + ": " + ec.message());
  std::vector<unsigned char> bytes(loaded->elf->bytes().begin(), loaded->elf->bytes().end());
  std::copy(section.begin(), section.end(), bytes.begin() + static_cast<std::ptrdiff_t>(loaded->identity.signature_offset));
  std::string tmp = target.string() + ".signing.XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) return make_error("cannot create a file beside " + target.string() + ": " + std::strerror(errno));
  struct stat st{};
  bool ok = stat(target.c_str(), &st) == 0 && fchmod(fd, st.st_mode & 07777) == 0;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (ok) ok = rename(tmp.c_str(), target.c_str()) == 0;
  if (!ok) {
    std::string why = std::strerror(errno);
    unlink(tmp.c_str());
    return make_error("cannot write the signature into " + patch + ": " + why);
  }
  if (int dir = open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    (void)fsync(dir);  // the rename itself survives a crash
    close(dir);
  }
  key_id = key->public_key().id();
  return Status::success();
}

int run_sign(const SignOptions& o) {
  std::string key_id;
  Status s = sign_patch_file(o.patch, o.key, key_id);
  if (!s) {
    std::cerr << "hotswap: sign: " << s.message() << "\n";
    return kExitRefused;
  }
  std::cout << "signed " << o.patch << " with key " << key_id << "\n";
  return kExitDone;
}

int run_verify(const VerifyOptions& o) {
  auto loaded = load_patch(o.patch);
  if (!loaded) {
    std::cerr << "hotswap: verify: " << loaded.error().message << "\n";
    return kExitRefused;
  }
  const PatchIdentity& p = loaded->identity;
  std::cout << "patch id: " << p.manifest.patch_id << "\n"
            << "base: " << p.manifest.base << "\n"
            << "target: " << p.manifest.target << "\n"
            << "signed by: " << (p.signature.present ? p.signature.key.id() : "nobody (unsigned)") << "\n";
  TrustPolicy policy;
  if (!o.trusted_keys.empty()) {
    auto text = read_text(o.trusted_keys, 1 << 20);
    auto keys = text ? parse_trusted_keys(*text) : Expected<std::vector<PublicKey>>(text.error());
    if (!keys) {
      std::cerr << "hotswap: verify: trusted keys " << o.trusted_keys << ": " << keys.error().message << "\n";
      return kExitRefused;
    }
    policy.enforced = true;
    policy.keys = std::move(*keys);
    policy.origin = o.trusted_keys;
  }
  if (Status trusted = check_trust(policy, p.signature, p.manifest.patch_id); !trusted) {
    std::cerr << "hotswap: verify: " << o.patch << " refused: " << trusted.message() << "\n";
    return kExitRefused;
  }
  std::cout << (policy.enforced ? "trusted: signed by a key of " + o.trusted_keys
                                : std::string(p.signature.present ? "intact: the signature matches"
                                                                  : "intact"))
            << "\n";
  return kExitDone;
}

}  // namespace hotswap
