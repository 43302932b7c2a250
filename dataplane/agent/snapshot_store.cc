// Persisting the last good signed snapshot (tmp + fsync + rename) and loading it back verified.
#include "dataplane/agent/snapshot_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "dataplane/agent/signed_snapshot.h"
#include "dataplane/agent/snapshot_loader.h"

namespace anymesh::agent {
namespace {

std::string errno_text(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<std::string> write_file_atomically(const std::filesystem::path& file, std::string_view bytes) {
  auto tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return errno_text("cannot create", tmp);
  if (!write_all(fd, bytes) || ::fsync(fd) != 0) {
    auto problem = errno_text("cannot write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return problem;
  }
  if (::close(fd) != 0) {
    auto problem = errno_text("cannot write", tmp);
    ::unlink(tmp.c_str());
    return problem;
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    auto problem = errno_text("cannot rename to", file);
    ::unlink(tmp.c_str());
    return problem;
  }
  // The rename itself is durable only once the directory entry is.
  auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return errno_text("cannot open", dir);
  bool synced = ::fsync(dir_fd) == 0;
  auto problem = errno_text("cannot sync", dir);
  ::close(dir_fd);
  if (!synced) return problem;
  return std::nullopt;
}

std::filesystem::path stored_snapshot_path(const std::filesystem::path& state_dir) {
  return state_dir / kStoredSnapshotName;
}

std::optional<std::string> store_signed_snapshot(const std::filesystem::path& state_dir,
                                                 const v1::SignedSnapshot& signed_snapshot) {
  std::string bytes;
  if (!signed_snapshot.SerializeToString(&bytes)) return "cannot serialize the signed snapshot";
  return write_file_atomically(stored_snapshot_path(state_dir), bytes);
}

Result<StoredSnapshot, SnapshotError> load_stored_snapshot(const std::filesystem::path& state_dir,
                                                           const wg::Key& controller_key, GatewayId self,
                                                           const ProbeSettings& probe_fallback) {
  const auto path = stored_snapshot_path(state_dir);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return fail(SnapshotError{"snapshot file", kNoStoredSnapshot});
  // The envelope adds a signature and a few tags to the snapshot's own limit.
  auto size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxSnapshotBytes + 1024) {
    return fail(SnapshotError{"snapshot file", path.string() + ": larger than a snapshot can be"});
  }
  std::ifstream in(path, std::ios::binary);
  if (error || !in) return fail(SnapshotError{"snapshot file", path.string() + ": cannot open"});
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  StoredSnapshot stored;
  if (!stored.signed_snapshot.ParseFromString(bytes)) {
    return fail(SnapshotError{"snapshot file", path.string() + ": not a signed snapshot"});
  }
  auto opened = open_signed_snapshot(stored.signed_snapshot, controller_key, self, probe_fallback);
  if (!opened) {
    auto e = opened.error();
    return fail(SnapshotError{"snapshot file", path.string() + ": " + e.to_string()});
  }
  stored.applied = std::make_shared<const AppliedSnapshot>(std::move(*opened));
  return stored;
}

}  // namespace anymesh::agent
