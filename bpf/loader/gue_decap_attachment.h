// GueDecapAttachment: gue_decap loaded from its skeleton and attached at XDP to a backend's interface.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bpf/include/gue_decap_counters.h"
#include "dataplane/packet/result.h"

struct gue_decap;  // bpftool skeleton (gue_decap.skel.h)

namespace anymesh::bpf {

using DecapCounters = std::array<std::uint64_t, AM_DECAP_COUNTER_COUNT>;

std::string_view decap_counter_name(std::uint32_t index);
std::optional<std::uint32_t> decap_counter_index(std::string_view name);

enum class XdpMode : std::uint8_t { native, generic };

// Detaches (only its own program) and unloads when dropped.
class GueDecapAttachment {
 public:
  static Result<GueDecapAttachment, std::string> attach(const std::string& ifname, std::uint16_t gue_port,
                                                         XdpMode mode);
  GueDecapAttachment(GueDecapAttachment&& other) noexcept;
  GueDecapAttachment& operator=(GueDecapAttachment&&) = delete;
  GueDecapAttachment(const GueDecapAttachment&) = delete;
  ~GueDecapAttachment();

  Result<DecapCounters, std::string> counters() const;

 private:
  GueDecapAttachment(gue_decap* skeleton, int ifindex, std::uint32_t flags)
      : skeleton_(skeleton), ifindex_(ifindex), flags_(flags) {}
  gue_decap* skeleton_ = nullptr;
  int ifindex_ = 0;
  std::uint32_t flags_ = 0;
};

}  // namespace anymesh::bpf
