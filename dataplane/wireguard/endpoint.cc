// Endpoint text form: the same as wg(8) prints and accepts (numeric addresses only).
#include "dataplane/wireguard/endpoint.h"

#include <charconv>

namespace anymesh::wg {

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6 needs brackets
  }
  auto address = IpAddress::parse(host);
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (!address || port.empty() || ec != std::errc{} || p != port.data() + port.size() || value > 65535) {
    return std::nullopt;
  }
  return Endpoint{*address, static_cast<std::uint16_t>(value)};
}

std::string Endpoint::to_string() const {
  auto host = address.to_string();
  return (address.is_v4() ? host : "[" + host + "]") + ":" + std::to_string(port);
}

}  // namespace anymesh::wg
