// Signed patches (docs/signing.md): Ed25519 keys, the signature a patch carries, and the
// trust policy a process checks patches against, all through libsodium.
//
// A patch carries a fixed-size section, .hotswap.signature, that the writer fills with
// zeros (unsigned) and `hotswap sign` overwrites in place: magic, the signer's public key,
// and the Ed25519 signature of "hotswap-patch-v1:" followed by the patch id. The id is the
// BLAKE2b hash of everything else in the patch (common/patch_id.h), so the signature
// covers every byte that matters, and signing changes no other byte of the file.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace hotswap {

inline constexpr const char* kSignatureSection = ".hotswap.signature";
inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 64;  // libsodium's: the seed, then the public key
inline constexpr std::size_t kSignatureBytes = 64;
inline constexpr std::string_view kSignatureMagic{"HSSIG\x01\0\0", 8};
inline constexpr std::size_t kSignatureSectionBytes = 8 + kPublicKeyBytes + kSignatureBytes;

// The words that start a key file's line: "hotswap-ed25519 HEX [comment]" for a public key,
// "hotswap-ed25519-secret HEX" for a secret one.
inline constexpr std::string_view kPublicKeyWord = "hotswap-ed25519";
inline constexpr std::string_view kSecretKeyWord = "hotswap-ed25519-secret";

// Calls sodium_init() once; false if libsodium cannot work here (no entropy source).
bool crypto_ready();

struct PublicKey {
  std::array<unsigned char, kPublicKeyBytes> bytes{};
  // 16 hex digits of the key's BLAKE2b hash: what status, the journal and sign print.
  std::string id() const;
  // Its line in a .pub or trusted-keys file, without a newline.
  std::string line() const;
  bool operator==(const PublicKey&) const = default;
};

struct SecretKey {
  std::array<unsigned char, kSecretKeyBytes> bytes{};
  PublicKey public_key() const;
};

struct KeyPair {
  SecretKey secret;
  PublicKey public_key;
};
Expected<KeyPair> generate_key_pair();

// One line of a .pub or trusted-keys file. Errors say what is wrong with it.
Expected<PublicKey> parse_public_key(std::string_view line);
// A secret key file's text (its one line).
Expected<SecretKey> parse_secret_key(std::string_view text);
std::string secret_key_text(const SecretKey& key);  // with its newline

// A trusted-keys file: one public key per line; blank lines and lines starting with '#'
// are skipped. No key at all is a valid, if strict, policy: it refuses every patch.
// An error names the line.
Expected<std::vector<PublicKey>> parse_trusted_keys(std::string_view text);

// What a patch's signature section says.
struct PatchSignature {
  bool present = false;  // false: the section is all zeros, or missing
  PublicKey key;
  std::array<unsigned char, kSignatureBytes> signature{};
};
// The section's bytes; a section of another size or with another magic is an error.
Expected<PatchSignature> parse_signature_section(std::span<const unsigned char> bytes);
// The section's bytes for a patch of this id signed with `key`.
std::array<unsigned char, kSignatureSectionBytes> sign_patch_id(const SecretKey& key, const std::string& patch_id);
// Whether the signature is the key's, over this patch id.
bool signature_matches(const PatchSignature& signature, const std::string& patch_id);

// What a process accepts (fixed at hotswap::start()). Not enforced: every intact patch.
// Enforced: only patches signed by one of `keys`; no keys, none at all.
struct TrustPolicy {
  bool enforced = false;
  std::vector<PublicKey> keys;
  std::string origin;  // where the keys came from, for status: "$HOTSWAP_TRUSTED_KEYS=/etc/..."
  std::string describe() const;
};

// Whether the policy accepts a patch of this id with this signature; the refusal says why
// (unsigned, signed by an untrusted key KEYID, a signature that does not match).
Status check_trust(const TrustPolicy& policy, const PatchSignature& signature, const std::string& patch_id);

}  // namespace hotswap
