// TempDir: a scratch directory for one test, removed with everything in it at the end.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace anymesh::agent::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "anymesh-agent-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes a file with exactly `mode` (umask does not apply) and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content, mode_t mode = 0600) const {
    auto file = path_ / name;
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << content;
    }
    ::chmod(file.c_str(), mode);
    return file;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace anymesh::agent::test
