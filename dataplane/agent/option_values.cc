// Value parsers for gateway options.
#include "dataplane/agent/option_values.h"

#include <charconv>

#include "dataplane/packet/ip_address.h"

namespace anymesh::agent {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_lower_word(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool hex_run(std::string_view text, std::size_t from, std::size_t count) {
  if (text.size() < from + count) return false;
  for (std::size_t i = from; i < from + count; ++i) {
    if (!is_hex(text[i])) return false;
  }
  return true;
}

// [DDDD:]BB:DD.F
bool is_pci_address(std::string_view text) {
  if (text.size() == 12) {
    if (!hex_run(text, 0, 4) || text[4] != ':') return false;
    text.remove_prefix(5);
  }
  return text.size() == 7 && hex_run(text, 0, 2) && text[2] == ':' && hex_run(text, 3, 2) && text[5] == '.' &&
         text[6] >= '0' && text[6] <= '7';
}

// net_<driver><n>[,key=value...]: the driver name is what EAL matches, so it must be one word.
bool is_vdev(std::string_view text) {
  auto comma = text.find(',');
  std::string_view name = text.substr(0, comma);
  if (!name.starts_with("net_") || name.size() == 4) return false;
  for (char c : name) {
    if (!is_lower_word(c)) return false;
  }
  if (comma == std::string_view::npos) return true;
  std::string_view args = text.substr(comma + 1);
  while (true) {
    auto next = args.find(',');
    std::string_view arg = args.substr(0, next);
    auto eq = arg.find('=');
    if (eq == 0 || eq == std::string_view::npos) return false;
    for (char c : arg) {
      if (c <= 0x20 || c >= 0x7f) return false;
    }
    if (next == std::string_view::npos) return true;
    args.remove_prefix(next + 1);
  }
}

std::optional<unsigned> parse_unsigned(std::string_view text) {
  unsigned value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return host.front() != '-' && host.front() != '.';
}

}  // namespace

Result<PortSpec, std::string> parse_port_spec(std::string_view text) {
  if (is_pci_address(text)) return PortSpec{PortKind::pci, std::string(text)};
  if (is_vdev(text)) return PortSpec{PortKind::vdev, std::string(text)};
  return fail("'" + std::string(text) +
              "' is neither a PCI address (0000:00:05.0) nor a DPDK vdev (net_af_xdp0,iface=eth1)");
}

Result<std::vector<unsigned>, std::string> parse_lcore_list(std::string_view text) {
  const std::string shown = "'" + std::string(text) + "'";
  if (text.empty()) return fail(std::string("must not be empty"));
  std::vector<unsigned> lcores;
  while (true) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    auto dash = item.find('-');
    auto first = parse_unsigned(item.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : parse_unsigned(item.substr(dash + 1));
    if (!first || !last) return fail(shown + " is not an lcore list such as 0-3 or 0,2,4");
    if (*last > kMaxLcoreId) {
      return fail(shown + ": lcore " + std::to_string(*last) + " is above " + std::to_string(kMaxLcoreId));
    }
    if (*first > *last) return fail(shown + ": range " + std::string(item) + " runs backwards");
    if (!lcores.empty() && *first <= lcores.back()) {
      return fail(shown + ": lcores must be listed once each, in increasing order");
    }
    for (unsigned id = *first; id <= *last; ++id) lcores.push_back(id);
    if (comma == std::string_view::npos) return lcores;
    text.remove_prefix(comma + 1);
  }
}

Result<std::string, std::string> parse_host_port(std::string_view text) {
  const std::string problem = "'" + std::string(text) + "' is not host:port (e.g. 192.0.2.10:7443)";
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return fail(problem);
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    auto address = IpAddress::parse(host);
    if (!address || address->is_v4()) return fail(problem);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(problem);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (!is_dns_name(host)) return fail(problem);
  }
  auto number = parse_unsigned(port);
  if (!number || *number == 0 || *number > 65535) return fail(problem);
  return std::string(text);
}

bool is_loopback(const IpAddress& address) {
  if (address.is_v4()) return address.bytes[0] == 127;
  for (std::size_t i = 0; i < 15; ++i) {
    if (address.bytes[i] != 0) return false;
  }
  return address.bytes[15] == 1;
}

}  // namespace anymesh::agent
