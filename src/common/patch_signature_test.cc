#include "common/patch_signature.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace hotswap {
namespace {

const std::string kId(64, 'a');

KeyPair new_pair() {
  auto pair = generate_key_pair();
  EXPECT_TRUE(pair) << pair.error().message;
  return *pair;
}

PatchSignature signed_by(const KeyPair& pair, const std::string& id) {
  auto bytes = sign_patch_id(pair.secret, id);
  auto parsed = parse_signature_section(bytes);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return *parsed;
}

TrustPolicy trusting(std::vector<PublicKey> keys) { return TrustPolicy{true, std::move(keys), "test"}; }

TEST(PatchSignature, KeysRoundTripThroughTheirFiles) {
  KeyPair pair = new_pair();
  auto pub = parse_public_key(pair.public_key.line() + " a comment");
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_EQ(*pub, pair.public_key);
  auto secret = parse_secret_key(secret_key_text(pair.secret));
  ASSERT_TRUE(secret) << secret.error().message;
  EXPECT_EQ(secret->public_key(), pair.public_key);
  EXPECT_EQ(pair.public_key.id().size(), 16u);
  EXPECT_NE(pair.public_key.id(), new_pair().public_key.id());
}

TEST(PatchSignature, KeyFilesOfTheWrongKindOrDamagedAreRefused) {
  KeyPair pair = new_pair();
  EXPECT_FALSE(parse_secret_key(pair.public_key.line()));
  auto as_public = parse_public_key(secret_key_text(pair.secret));
  ASSERT_FALSE(as_public);
  EXPECT_NE(as_public.error().message.find("secret"), std::string::npos);
  std::string damaged = secret_key_text(pair.secret);
  damaged[damaged.size() - 3] = damaged[damaged.size() - 3] == '0' ? '1' : '0';  // in the public half
  auto broken = parse_secret_key(damaged);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("damaged"), std::string::npos);
  EXPECT_FALSE(parse_public_key("hotswap-ed25519 abcd"));
  EXPECT_FALSE(parse_public_key("ssh-ed25519 AAAA"));
}

TEST(PatchSignature, TrustedKeysFileSkipsCommentsAndNamesABadLine) {
  KeyPair a = new_pair(), b = new_pair();
  auto keys = parse_trusted_keys("# the release keys\n\n" + a.public_key.line() + "\n  " + b.public_key.line() +
                                 " next\n" + a.public_key.line() + "\n");
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(keys->size(), 2u);  // a duplicate counts once
  auto bad = parse_trusted_keys(a.public_key.line() + "\nnot a key\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
  auto none = parse_trusted_keys("# nobody yet\n");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(PatchSignature, AnAllZeroSectionIsUnsignedAndAnyOtherMalformedOneAnError) {
  std::vector<unsigned char> zeros(kSignatureSectionBytes, 0);
  auto unsigned_patch = parse_signature_section(zeros);
  ASSERT_TRUE(unsigned_patch);
  EXPECT_FALSE(unsigned_patch->present);
  EXPECT_FALSE(parse_signature_section(std::vector<unsigned char>(kSignatureSectionBytes - 1, 0)));
  zeros[9] = 1;  // no magic
  EXPECT_FALSE(parse_signature_section(zeros));
}

TEST(PatchSignature, OnlyTheSignersKeyOverThisIdIsAccepted) {
  KeyPair signer = new_pair(), other = new_pair();
  PatchSignature s = signed_by(signer, kId);
  EXPECT_TRUE(signature_matches(s, kId));
  EXPECT_TRUE(check_trust(trusting({signer.public_key}), s, kId));
  // Another id: the content changed since signing.
  std::string changed = kId;
  changed[10] = 'b';
  Status tampered = check_trust(trusting({signer.public_key}), s, changed);
  ASSERT_FALSE(tampered);
  EXPECT_NE(tampered.message().find("does not match"), std::string::npos) << tampered.message();
  // A key nobody trusts.
  Status foreign = check_trust(trusting({other.public_key}), s, kId);
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.message().find(signer.public_key.id()), std::string::npos) << foreign.message();
  // A forged signature under a trusted key.
  PatchSignature forged = s;
  forged.signature[5] ^= 1;
  EXPECT_FALSE(check_trust(trusting({signer.public_key}), forged, kId));
  // The signer's key swapped for a trusted one: the signature is not that key's.
  PatchSignature swapped = s;
  swapped.key = other.public_key;
  EXPECT_FALSE(check_trust(trusting({other.public_key}), swapped, kId));
}

TEST(PatchSignature, PolicyRefusesUnsignedAndAnEmptyPolicyRefusesEverything) {
  KeyPair signer = new_pair();
  Status unsigned_patch = check_trust(trusting({signer.public_key}), PatchSignature{}, kId);
  ASSERT_FALSE(unsigned_patch);
  EXPECT_NE(unsigned_patch.message().find("not signed"), std::string::npos);
  Status empty = check_trust(trusting({}), signed_by(signer, kId), kId);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.message().find("no key"), std::string::npos) << empty.message();
}

TEST(PatchSignature, TwoKeysDuringARotationAcceptEitherSigner) {
  KeyPair old_key = new_pair(), new_key = new_pair();
  TrustPolicy both = trusting({old_key.public_key, new_key.public_key});
  EXPECT_TRUE(check_trust(both, signed_by(old_key, kId), kId));
  EXPECT_TRUE(check_trust(both, signed_by(new_key, kId), kId));
  EXPECT_FALSE(check_trust(trusting({new_key.public_key}), signed_by(old_key, kId), kId));  // retired
}

TEST(PatchSignature, WithoutAPolicyAnUnsignedPatchPassesButABadSignatureDoesNot) {
  KeyPair signer = new_pair();
  EXPECT_TRUE(check_trust(TrustPolicy{}, PatchSignature{}, kId));
  EXPECT_TRUE(check_trust(TrustPolicy{}, signed_by(signer, kId), kId));
  PatchSignature forged = signed_by(signer, kId);
  forged.signature[0] ^= 1;
  EXPECT_FALSE(check_trust(TrustPolicy{}, forged, kId));
}

}  // namespace
}  // namespace hotswap
