// ed25519 signing of snapshots with libsodium; the key file shares the gateway key file's checks.
#include "controlplane/server/snapshot_signer.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <stdexcept>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "dataplane/agent/key_file.h"
#include "dataplane/agent/signed_snapshot.h"
#include "dataplane/wireguard/key.h"

namespace anymesh::server {
namespace {

void require_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

SigningKey SigningKey::from_seed(const wg::Key& seed) {
  static_assert(crypto_sign_SECRETKEYBYTES == 64 && crypto_sign_SEEDBYTES == 32);
  require_sodium();
  SigningKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_.data(), seed.data());
  return key;
}

SigningKey SigningKey::generate() {
  wg::Key seed{};
  require_sodium();
  randombytes_buf(seed.data(), seed.size());
  auto key = from_seed(seed);
  wg::secure_zero(seed);
  return key;
}

std::string SigningKey::sign(std::string_view message) const {
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(), secret_.data());
  return signature;
}

Result<SigningKey, std::string> read_signing_key_file(const std::filesystem::path& path) {
  auto seed = agent::read_private_key_file(path);
  if (!seed) return fail(seed.error());
  return SigningKey::from_seed(seed->bytes());
}

Result<SigningKey, std::string> write_new_signing_key_file(const std::filesystem::path& path) {
  wg::Key seed{};
  require_sodium();
  randombytes_buf(seed.data(), seed.size());
  std::string text = wg::key_to_base64(seed) + "\n";
  auto key = SigningKey::from_seed(seed);
  wg::secure_zero(seed);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    std::string problem = path.string() + ": cannot create: " + std::strerror(errno);
    wg::secure_zero(text.data(), text.size());
    return fail(problem);
  }
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  std::string problem = path.string() + ": cannot write: " + std::strerror(errno);
  ::close(fd);
  wg::secure_zero(text.data(), text.size());
  if (!written) {
    ::unlink(path.c_str());
    return fail(problem);
  }
  return key;
}

std::string serialize_deterministic(const v1::GatewaySnapshot& snapshot) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    snapshot.SerializeToCodedStream(&out);
  }
  return bytes;
}

v1::SignedSnapshot sign_snapshot(const SigningKey& key, const v1::GatewaySnapshot& snapshot) {
  v1::SignedSnapshot signed_snapshot;
  signed_snapshot.set_snapshot(serialize_deterministic(snapshot));
  signed_snapshot.set_signature(key.sign(signed_snapshot.snapshot()));
  signed_snapshot.set_version(snapshot.version());
  return signed_snapshot;
}

v1::SignedSnapshot sign_unversioned(const SigningKey& key, std::string_view unversioned, std::uint64_t version) {
  std::string bytes;
  bytes.reserve(unversioned.size() + 11);
  bytes.push_back(static_cast<char>(0x08));  // field 1 (version), varint
  for (std::uint64_t v = version; ; v >>= 7) {
    if (v < 0x80) {
      bytes.push_back(static_cast<char>(v));
      break;
    }
    bytes.push_back(static_cast<char>((v & 0x7f) | 0x80));
  }
  bytes.append(unversioned);
  v1::SignedSnapshot signed_snapshot;
  signed_snapshot.set_signature(key.sign(bytes));
  signed_snapshot.set_snapshot(std::move(bytes));
  signed_snapshot.set_version(version);
  return signed_snapshot;
}

v1::KeyEndorsement endorse(const SigningKey& previous, const wg::Key& next) {
  v1::KeyEndorsement e;
  e.set_public_key(std::string(next.begin(), next.end()));
  std::string message(agent::kEndorsementContext);
  message += e.public_key();
  e.set_signature(previous.sign(message));
  return e;
}

}  // namespace anymesh::server
