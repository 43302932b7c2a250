// Signing snapshots on the controller and opening them on the gateway (ed25519, libsodium).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <string>

#include "controlplane/server/snapshot_signer.h"
#include "dataplane/agent/signed_snapshot.h"
#include "dataplane/wireguard/key.h"
#include "tests/unit/agent/temp_dir.h"
#include "tests/unit/server/session_fixture.h"

using namespace anymesh;
using namespace anymesh::server;
using namespace anymesh::server::test;

namespace {

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("the signing key reproduces the RFC 8032 ed25519 test vectors") {
  struct Vector {
    const char* seed;
    const char* public_key;
    const char* message;
    const char* signature;
  };
  const Vector vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
  };
  for (const auto& v : vectors) {
    auto key = SigningKey::from_seed(*wg::key_from_hex(v.seed));
    CHECK(wg::key_to_hex(key.public_key()) == v.public_key);
    const std::string message = from_hex(v.message);
    const std::string signature = key.sign(message);
    CHECK(signature == from_hex(v.signature));
    CHECK(agent::signature_matches(bytes(message), bytes(signature), key.public_key()));
  }
}

TEST_CASE("a snapshot signed by the controller opens on the gateway that pins its key") {
  auto key = SigningKey::generate();
  auto signed_snapshot = signed_r1(key, 9);
  CHECK(signed_snapshot.version() == 9);
  CHECK(signed_snapshot.signature().size() == agent::kSnapshotSignatureBytes);
  auto opened = agent::open_signed_snapshot(signed_snapshot, key.public_key(), kSelf);
  REQUIRE(opened.ok());
  CHECK(opened->version() == 9);
  CHECK(opened->self().id == kSelf);
  CHECK(opened->peers().size() == 3);
}

TEST_CASE("a snapshot signed by another key is refused before it is parsed") {
  auto controller = SigningKey::generate();
  auto impostor = SigningKey::generate();
  auto opened = agent::open_signed_snapshot(signed_r1(impostor), controller.public_key(), kSelf);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().field == "signature");
  CHECK(opened.error().problem == "does not verify against the pinned controller key");
}

TEST_CASE("one flipped bit in the snapshot or its signature fails verification") {
  auto key = SigningKey::generate();
  const auto good = signed_r1(key);
  for (std::size_t at : {std::size_t{0}, good.snapshot().size() / 2, good.snapshot().size() - 1}) {
    auto bad = good;
    (*bad.mutable_snapshot())[at] ^= 0x01;
    CHECK(agent::open_signed_snapshot(bad, key.public_key(), kSelf).error().field == "signature");
  }
  for (std::size_t at : {std::size_t{0}, std::size_t{31}, std::size_t{63}}) {
    auto bad = good;
    (*bad.mutable_signature())[at] ^= 0x80;
    CHECK(agent::open_signed_snapshot(bad, key.public_key(), kSelf).error().field == "signature");
  }
  auto short_signature = good;
  short_signature.mutable_signature()->pop_back();
  auto opened = agent::open_signed_snapshot(short_signature, key.public_key(), kSelf);
  CHECK(opened.error().to_string() == "signature: must be 64 bytes, got 63");
}

TEST_CASE("a well-signed snapshot for another gateway or with another envelope version is refused") {
  auto key = SigningKey::generate();
  auto other = agent::open_signed_snapshot(signed_r1(key), key.public_key(), kSelf + 1);
  CHECK(other.error().to_string() == "self.id: the snapshot is for gateway 11, this is gateway 12");
  auto relabelled = signed_r1(key, 7);
  relabelled.set_version(8);
  CHECK(agent::open_signed_snapshot(relabelled, key.public_key(), kSelf).error().to_string() ==
        "version: the envelope says 8, the snapshot 7");
}

TEST_CASE("equal snapshots serialize to equal bytes and equal signatures") {
  auto key = SigningKey::generate();
  CHECK(signed_r1(key).snapshot() == signed_r1(key).snapshot());
  CHECK(signed_r1(key).signature() == signed_r1(key).signature());
  CHECK(signed_r1(key, 7).signature() != signed_r1(key, 8).signature());
}

TEST_CASE("a new signing key file is private, reads back to the same key, and is never overwritten") {
  agent::test::TempDir dir;
  const auto path = dir.path() / "signing.key";
  auto made = write_new_signing_key_file(path);
  REQUIRE(made.ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto read = read_signing_key_file(path);
  REQUIRE(read.ok());
  CHECK(read->public_key() == made->public_key());
  CHECK(read->sign("snapshot") == made->sign("snapshot"));

  auto again = write_new_signing_key_file(path);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().find("File exists") != std::string::npos);
  CHECK(read_signing_key_file(path)->public_key() == made->public_key());
}

TEST_CASE("a signing key file readable by everyone or not holding a key is refused") {
  agent::test::TempDir dir;
  const auto open_file = dir.write("open.key", "kFjdRAiWSgLWIZOHqJDXZ89Zr+hXKqcuGuLvn5JHdVs=\n", 0644);
  CHECK(read_signing_key_file(open_file).error().find("accessible by every user") != std::string::npos);
  const auto garbage = dir.write("garbage.key", "not a key\n");
  CHECK(read_signing_key_file(garbage).error().find("not a private key") != std::string::npos);
  CHECK(read_signing_key_file(dir.path() / "missing.key").error().find("cannot open") != std::string::npos);
}

TEST_CASE("a snapshot signed by a new controller key opens on a gateway pinning the key that endorsed it") {
  auto previous = SigningKey::generate();
  auto next = SigningKey::generate();
  auto signed_snapshot = signed_r1(next);
  // Without the endorsement the pinned key refuses it.
  CHECK(agent::open_signed_snapshot(signed_snapshot, previous.public_key(), kSelf).error().field == "signature");
  *signed_snapshot.mutable_endorsement() = endorse(previous, next.public_key());
  auto opened = agent::open_signed_snapshot(signed_snapshot, previous.public_key(), kSelf);
  REQUIRE(opened);
  CHECK(opened->self().id == kSelf);
  // A gateway already pinning the new key ignores the endorsement.
  CHECK(agent::open_signed_snapshot(signed_snapshot, next.public_key(), kSelf));
}

TEST_CASE("an endorsement not signed by the pinned key, or of another key, opens nothing") {
  auto pinned = SigningKey::generate();
  auto impostor = SigningKey::generate();
  auto signed_snapshot = signed_r1(impostor);
  // The impostor endorsing itself.
  *signed_snapshot.mutable_endorsement() = endorse(impostor, impostor.public_key());
  CHECK(agent::open_signed_snapshot(signed_snapshot, pinned.public_key(), kSelf).error().field == "endorsement");
  // The pinned key endorsing some other key than the one that signed the snapshot.
  auto other = SigningKey::generate();
  *signed_snapshot.mutable_endorsement() = endorse(pinned, other.public_key());
  CHECK(agent::open_signed_snapshot(signed_snapshot, pinned.public_key(), kSelf).error().field == "signature");
  // A malformed endorsed key.
  signed_snapshot.mutable_endorsement()->set_public_key("short");
  CHECK(agent::open_signed_snapshot(signed_snapshot, pinned.public_key(), kSelf).error().field == "endorsement.public_key");
}
