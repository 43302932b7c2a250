// GueDecapAttachment: open the skeleton, set the GUE port, load, attach at XDP; counters; detach.
#include "bpf/loader/gue_decap_attachment.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "bpf/loader/bpf_status.h"
#include "gue_decap.skel.h"

namespace anymesh::bpf {
namespace {

constexpr std::string_view kDecapCounterNames[] = {
#define AM_DECAP_COUNTER_NAME(name, text) text,
    AM_DECAP_COUNTERS(AM_DECAP_COUNTER_NAME)
#undef AM_DECAP_COUNTER_NAME
};
static_assert(std::size(kDecapCounterNames) == AM_DECAP_COUNTER_COUNT);

}  // namespace

std::string_view decap_counter_name(std::uint32_t index) {
  return index < AM_DECAP_COUNTER_COUNT ? kDecapCounterNames[index] : std::string_view{};
}

std::optional<std::uint32_t> decap_counter_index(std::string_view name) {
  for (std::uint32_t i = 0; i < AM_DECAP_COUNTER_COUNT; ++i) {
    if (kDecapCounterNames[i] == name) return i;
  }
  return std::nullopt;
}

Result<GueDecapAttachment, std::string> GueDecapAttachment::attach(const std::string& ifname,
                                                                   std::uint16_t gue_port, XdpMode mode) {
  unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return fail(bpf_error("interface " + ifname, errno));
  gue_decap* skeleton = gue_decap__open();
  if (skeleton == nullptr) return fail(bpf_error("open gue_decap", errno));
  skeleton->rodata->gue_port = gue_port;
  int rc = gue_decap__load(skeleton);
  if (rc != 0) {
    gue_decap__destroy(skeleton);
    return fail(bpf_error("load gue_decap", rc));
  }
  std::uint32_t flags = XDP_FLAGS_UPDATE_IF_NOEXIST |
                        (mode == XdpMode::generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
  rc = bpf_xdp_attach(static_cast<int>(ifindex), bpf_program__fd(skeleton->progs.gue_decap), flags, nullptr);
  if (rc != 0) {
    gue_decap__destroy(skeleton);
    return fail(bpf_error("attach gue_decap to " + ifname, rc));
  }
  return GueDecapAttachment(skeleton, static_cast<int>(ifindex), flags);
}

GueDecapAttachment::GueDecapAttachment(GueDecapAttachment&& other) noexcept
    : skeleton_(std::exchange(other.skeleton_, nullptr)), ifindex_(other.ifindex_), flags_(other.flags_) {}

GueDecapAttachment::~GueDecapAttachment() {
  if (skeleton_ == nullptr) return;
  // Detach only if our program is still the attached one.
  LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = bpf_program__fd(skeleton_->progs.gue_decap));
  bpf_xdp_detach(ifindex_, (flags_ & ~XDP_FLAGS_UPDATE_IF_NOEXIST) | XDP_FLAGS_REPLACE, &opts);
  gue_decap__destroy(skeleton_);
}

Result<DecapCounters, std::string> GueDecapAttachment::counters() const {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return fail(bpf_error("possible CPUs", cpus));
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus));
  DecapCounters sums{};
  int fd = bpf_map__fd(skeleton_->maps.decap_counters);
  for (std::uint32_t i = 0; i < AM_DECAP_COUNTER_COUNT; ++i) {
    int rc = bpf_map_lookup_elem(fd, &i, per_cpu.data());
    if (rc != 0) return fail(bpf_error("read decap_counters", rc));
    for (auto v : per_cpu) sums[i] += v;
  }
  return sums;
}

}  // namespace anymesh::bpf
