// BpfStatus: the outcome of a BPF map or link operation: done, or an error message naming what failed.
#pragma once

#include <string>

#include "dataplane/packet/result.h"

namespace anymesh::bpf {

struct Done {};
using BpfStatus = Result<Done, std::string>;

// "what: strerror(errno)" for a failed libbpf call (libbpf returns -errno and sets errno).
std::string bpf_error(const std::string& what, int rc);

}  // namespace anymesh::bpf
