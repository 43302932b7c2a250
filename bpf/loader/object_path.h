// Where the compiled BPF objects are: $ANYMESH_BPF_DIR if set, else the build tree's bpf/ folder,
// else the installed ones (/usr/lib/anymesh/bpf from the .deb, /usr/local/lib/anymesh/bpf).
#pragma once

#include <string>
#include <string_view>

namespace anymesh::bpf {

// The directory holding <name>.bpf.o: ANYMESH_BPF_DIR, else the first of the build tree and the
// install locations that holds xdp_gateway.bpf.o (the build tree when none does).
std::string bpf_object_dir();
// <dir>/<name>.bpf.o, e.g. bpf_object_path("xdp_gateway").
std::string bpf_object_path(std::string_view name);
// The object the DPDK af_xdp PMD loads (devarg xdp_prog=).
std::string xdp_gateway_object_path();
std::string gue_decap_object_path();

}  // namespace anymesh::bpf
