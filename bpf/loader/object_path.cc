// bpf_object_dir and the paths of the objects built from bpf/*.bpf.c.
#include "bpf/loader/object_path.h"

#include <cstdlib>
#include <filesystem>

#ifndef ANYMESH_BPF_BUILD_DIR
#define ANYMESH_BPF_BUILD_DIR "/usr/local/lib/anymesh/bpf"
#endif

namespace anymesh::bpf {

std::string bpf_object_dir() {
  const char* dir = std::getenv("ANYMESH_BPF_DIR");
  if (dir != nullptr && *dir != '\0') return dir;
  // The build tree, then where the .deb and `make install` put them.
  for (const char* candidate : {ANYMESH_BPF_BUILD_DIR, "/usr/lib/anymesh/bpf", "/usr/local/lib/anymesh/bpf"}) {
    std::error_code e;
    if (std::filesystem::exists(std::string(candidate) + "/xdp_gateway.bpf.o", e)) return candidate;
  }
  return ANYMESH_BPF_BUILD_DIR;
}

std::string bpf_object_path(std::string_view name) {
  return bpf_object_dir() + "/" + std::string(name) + ".bpf.o";
}

std::string xdp_gateway_object_path() { return bpf_object_path("xdp_gateway"); }
std::string gue_decap_object_path() { return bpf_object_path("gue_decap"); }

}  // namespace anymesh::bpf
