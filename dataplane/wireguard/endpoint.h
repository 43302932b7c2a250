// Endpoint: a peer's UDP address and port, as the socket layer sees it.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dataplane/packet/ip_address.h"

namespace anymesh::wg {

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;

  // "192.0.2.1:51820" or "[fd00::1]:51820".
  static std::optional<Endpoint> parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const Endpoint&) const = default;
};

}  // namespace anymesh::wg
