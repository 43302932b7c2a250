// Reading the gateway's private key file with the permission and format checks.
#include "dataplane/agent/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "dataplane/wireguard/key.h"

namespace anymesh::agent {
namespace {

// A base64 key and a newline, with room for stray whitespace; anything bigger is not a key file.
constexpr std::size_t kMaxKeyFileBytes = 256;

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

std::optional<wg::Key> parse_base64_key(std::string_view text) { return wg::key_from_base64(trim(text)); }

Result<PrivateKey, std::string> read_private_key_file(const std::filesystem::path& path) {
  // Opened first and checked through the descriptor, so the file checked is the file read.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(path.string() + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int error = errno;
    ::close(fd);
    return fail(path.string() + ": cannot stat: " + std::strerror(error));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(path.string() + ": not a regular file");
  }
  if (st.st_mode & (S_IROTH | S_IWOTH)) {
    ::close(fd);
    return fail(path.string() + ": is accessible by every user (mode " + octal_mode(st.st_mode) +
                "); a private key must not be: chmod 600 it");
  }
  std::array<char, kMaxKeyFileBytes + 1> buffer{};
  std::size_t used = 0;
  while (used < buffer.size()) {
    ssize_t n = ::read(fd, buffer.data() + used, buffer.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      wg::secure_zero(buffer);
      return fail(path.string() + ": read error: " + std::strerror(error));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (used > kMaxKeyFileBytes) {
    wg::secure_zero(buffer);
    return fail(path.string() + ": larger than a key file (" + std::to_string(kMaxKeyFileBytes) + " bytes)");
  }
  auto key = parse_base64_key(std::string_view(buffer.data(), used));
  wg::secure_zero(buffer);
  if (!key) return fail(path.string() + ": not a private key (base64 of 32 bytes, as wg genkey writes)");
  PrivateKey result(*key);
  wg::secure_zero(*key);
  return result;
}

}  // namespace anymesh::agent
