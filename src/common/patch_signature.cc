#include "common/patch_signature.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "common/hash.h"

namespace hotswap {
namespace {

constexpr std::string_view kSignedPrefix = "hotswap-patch-v1:";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The words of a line: the first two, and whether there is more (a comment).
struct Words {
  std::string_view first, second;
};
Words split_words(std::string_view line) {
  line = trim(line);
  std::size_t end = 0;
  while (end < line.size() && !is_space(line[end])) ++end;
  Words w{line.substr(0, end), {}};
  std::string_view rest = trim(line.substr(end));
  end = 0;
  while (end < rest.size() && !is_space(rest[end])) ++end;
  w.second = rest.substr(0, end);
  return w;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <std::size_t N>
bool from_hex(std::string_view hex, std::array<unsigned char, N>& out) {
  if (hex.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

std::string signed_message(const std::string& patch_id) { return std::string(kSignedPrefix) + patch_id; }

}  // namespace

bool crypto_ready() {
  static const bool ready = sodium_init() >= 0;  // thread-safe, once
  return ready;
}

std::string PublicKey::id() const {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, bytes.data(), bytes.size(), nullptr, 0);
  return hex_bytes(std::span(digest, 8));
}

std::string PublicKey::line() const { return std::string(kPublicKeyWord) + " " + hex_bytes(bytes); }

PublicKey SecretKey::public_key() const {
  PublicKey key;
  crypto_sign_ed25519_sk_to_pk(key.bytes.data(), bytes.data());
  return key;
}

Expected<KeyPair> generate_key_pair() {
  if (!crypto_ready()) return make_error("libsodium could not be initialized");
  KeyPair pair;
  if (crypto_sign_keypair(pair.public_key.bytes.data(), pair.secret.bytes.data()) != 0)
    return make_error("libsodium could not make a key pair");
  return pair;
}

Expected<PublicKey> parse_public_key(std::string_view line) {
  Words w = split_words(line);
  if (w.first == kSecretKeyWord) return make_error("this is a secret key, not a public one: never give it out");
  if (w.first != kPublicKeyWord)
    return make_error("not a hotswap public key: a line must read \"" + std::string(kPublicKeyWord) + " HEX\"");
  PublicKey key;
  if (!from_hex(w.second, key.bytes))
    return make_error("a public key is " + std::to_string(2 * kPublicKeyBytes) + " hex digits");
  return key;
}

Expected<SecretKey> parse_secret_key(std::string_view text) {
  Words w = split_words(text);
  if (w.first == kPublicKeyWord) return make_error("this is a public key (KEY.pub); signing needs the secret one (KEY)");
  SecretKey key;
  if (w.first != kSecretKeyWord || !from_hex(w.second, key.bytes))
    return make_error("not a hotswap secret key (made by `hotswap keygen`)");
  // The key's second half is its public key: a file cut or edited by hand shows here.
  if (!crypto_ready()) return make_error("libsodium could not be initialized");
  unsigned char derived[kPublicKeyBytes];
  crypto_sign_ed25519_sk_to_seed(derived, key.bytes.data());  // check: seed -> public key
  unsigned char pk[kPublicKeyBytes], sk[kSecretKeyBytes];
  crypto_sign_seed_keypair(pk, sk, derived);
  bool consistent = std::memcmp(pk, key.bytes.data() + 32, kPublicKeyBytes) == 0;
  sodium_memzero(sk, sizeof sk);
  sodium_memzero(derived, sizeof derived);
  if (!consistent) return make_error("the secret key is damaged: its public half does not match its seed");
  return key;
}

std::string secret_key_text(const SecretKey& key) {
  return std::string(kSecretKeyWord) + " " + hex_bytes(key.bytes) + "\n";
}

Expected<std::vector<PublicKey>> parse_trusted_keys(std::string_view text) {
  std::vector<PublicKey> keys;
  std::size_t number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto key = parse_public_key(line);
    if (!key) return make_error("line " + std::to_string(number) + ": " + key.error().message);
    if (std::find(keys.begin(), keys.end(), *key) == keys.end()) keys.push_back(*key);
  }
  return keys;
}

Expected<PatchSignature> parse_signature_section(std::span<const unsigned char> bytes) {
  if (bytes.size() != kSignatureSectionBytes)
    return make_error(std::string(kSignatureSection) + " has " + std::to_string(bytes.size()) + " bytes, not " +
                      std::to_string(kSignatureSectionBytes));
  PatchSignature s;
  if (std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; })) return s;
  if (!std::equal(kSignatureMagic.begin(), kSignatureMagic.end(), bytes.begin(),
                  [](char a, unsigned char b) { return static_cast<unsigned char>(a) == b; }))
    return make_error(std::string(kSignatureSection) + " is not a hotswap signature");
  s.present = true;
  std::copy_n(bytes.begin() + 8, kPublicKeyBytes, s.key.bytes.begin());
  std::copy_n(bytes.begin() + 8 + kPublicKeyBytes, kSignatureBytes, s.signature.begin());
  return s;
}

std::array<unsigned char, kSignatureSectionBytes> sign_patch_id(const SecretKey& key, const std::string& patch_id) {
  std::array<unsigned char, kSignatureSectionBytes> out{};
  std::copy(kSignatureMagic.begin(), kSignatureMagic.end(), out.begin());
  PublicKey pk = key.public_key();
  std::copy(pk.bytes.begin(), pk.bytes.end(), out.begin() + 8);
  std::string message = signed_message(patch_id);
  crypto_sign_detached(out.data() + 8 + kPublicKeyBytes, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), key.bytes.data());
  return out;
}

bool signature_matches(const PatchSignature& signature, const std::string& patch_id) {
  if (!signature.present || !crypto_ready()) return false;
  std::string message = signed_message(patch_id);
  return crypto_sign_verify_detached(signature.signature.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), signature.key.bytes.data()) == 0;
}

std::string TrustPolicy::describe() const {
  if (!enforced) return "none: any intact patch is accepted";
  std::string keys_text;
  for (const PublicKey& k : keys) keys_text += (keys_text.empty() ? "" : ", ") + k.id();
  std::string what = keys.empty() ? "no key is trusted: every patch is refused"
                                  : "signed patches only, by " + keys_text;
  return what + (origin.empty() ? "" : " (" + origin + ")");
}

Status check_trust(const TrustPolicy& policy, const PatchSignature& signature, const std::string& patch_id) {
  if (signature.present && !crypto_ready()) return make_error("libsodium could not be initialized: no signature can be checked");
  if (!policy.enforced) {
    // No policy asks for a signature, but one that is there must be right: a patch that
    // claims a signer it does not have is damaged or forged either way.
    if (signature.present && !signature_matches(signature, patch_id))
      return make_error("its signature does not match its content (key " + signature.key.id() + ")");
    return Status::success();
  }
  if (policy.keys.empty()) return make_error("the trust policy has no key (" + policy.describe() + ")");
  if (!signature.present) return make_error("it is not signed, and the trust policy accepts only signed patches");
  if (std::find(policy.keys.begin(), policy.keys.end(), signature.key) == policy.keys.end())
    return make_error("it is signed by key " + signature.key.id() + ", which the trust policy does not trust");
  if (!signature_matches(signature, patch_id))
    return make_error("its signature does not match its content (key " + signature.key.id() + ")");
  return Status::success();
}

}  // namespace hotswap
