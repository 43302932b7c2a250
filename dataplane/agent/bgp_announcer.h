// BgpAnnouncer: announces and withdraws this gateway's VIPs through BIRD: static host routes in an
// include file, replaced atomically, then `birdc -s SOCKET configure` (no shell).
#pragma once

#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"

namespace anymesh::agent {

// BIRD's side (see lab/bird/gateway.conf.in): `protocol static vips { ipv4; include "FILE"; }`,
// and for IPv6 VIPs a second static protocol with an ipv6 channel including another file.
struct BgpAnnouncerConfig {
  std::filesystem::path include_v4;     // lines `route 203.0.113.10/32 blackhole;`
  std::filesystem::path include_v6;     // `route fd00:1::10/128 blackhole;`; empty: no IPv6 VIPs
  std::filesystem::path control_socket; // BIRD's control socket (bird -s)
  std::string birdc = "birdc";          // the client program, looked up in PATH unless a path
  std::chrono::milliseconds timeout{5000};
};

enum class AnnounceOutcome : std::uint8_t {
  unchanged,     // the same set BIRD already took: nothing written, birdc not run
  reconfigured,  // files replaced (or confirmed) and BIRD reconfigured
};

class BgpAnnouncer {
 public:
  explicit BgpAnnouncer(BgpAnnouncerConfig config);

  // Makes the announced set exactly `vips` (each as a host route; order and repeats do not
  // matter). On any error (no IPv6 file for an IPv6 VIP, a file that cannot be written, birdc
  // failing or BIRD refusing the configuration) the files are put back as they were and the
  // reason returned; the next call tries again.
  Result<AnnounceOutcome, std::string> announce(std::span<const IpAddress> vips);
  Result<AnnounceOutcome, std::string> withdraw_all() { return announce({}); }

  // The set BIRD last took (sorted), empty before the first success.
  const std::vector<IpAddress>& announced() const { return announced_; }

 private:
  BgpAnnouncerConfig config_;
  std::vector<IpAddress> announced_;
  bool configured_ = false;  // announced_ is what BIRD runs
};

// The include file's text for these VIPs of one family (sorted, one route a line).
std::string render_vip_routes(std::span<const IpAddress> vips, IpAddress::Family family);

// Runs `birdc -s SOCKET configure` and judges BIRD's answer; the reason when it did not take it.
Result<std::string, std::string> run_birdc_configure(const BgpAnnouncerConfig& config);

}  // namespace anymesh::agent
