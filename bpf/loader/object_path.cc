// bpf_object_dir and the paths of the objects built from bpf/*.bpf.c.
#include "bpf/loader/object_path.h"

#include <cstdlib>

#ifndef ANYMESH_BPF_BUILD_DIR
#define ANYMESH_BPF_BUILD_DIR "/usr/local/lib/anymesh/bpf"
#endif

namespace anymesh::bpf {

std::string bpf_object_dir() {
  const char* dir = std::getenv("ANYMESH_BPF_DIR");
  if (dir != nullptr && *dir != '\0') return dir;
  return ANYMESH_BPF_BUILD_DIR;
}

std::string bpf_object_path(std::string_view name) {
  return bpf_object_dir() + "/" + std::string(name) + ".bpf.o";
}

std::string xdp_gateway_object_path() { return bpf_object_path("xdp_gateway"); }
std::string gue_decap_object_path() { return bpf_object_path("gue_decap"); }

}  // namespace anymesh::bpf
