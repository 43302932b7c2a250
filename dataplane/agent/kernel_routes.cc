// rtnetlink requests (RTM_GETROUTE, RTM_GETNEIGH dump, RTM_NEWNEIGH with NTF_USE) on a raw
// NETLINK_ROUTE socket, and the replies parsed attribute by attribute.
#include "dataplane/agent/kernel_routes.h"

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace anymesh::agent {
namespace {

// Replies to one request never take longer than this unless the kernel is wedged.
constexpr int kReplyTimeoutMs = 1000;
// Large enough for any single datagram of a dump (the kernel fills about a page per datagram).
constexpr std::size_t kReceiveBuffer = 64 * 1024;

std::string errno_text(int error) { return std::strerror(error); }

// One request's bytes: a header, a fixed family message, then attributes, each 4-byte aligned.
class NetlinkRequest {
 public:
  NetlinkRequest(std::uint16_t type, std::uint16_t flags) {
    nlmsghdr header{};
    header.nlmsg_type = type;
    header.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
    append(&header, sizeof header);
  }
  template <typename Message>
  void add_message(const Message& message) {
    append(&message, sizeof message);
  }
  void add_attribute(std::uint16_t type, const void* data, std::size_t size) {
    rtattr attribute{};
    attribute.rta_type = type;
    attribute.rta_len = static_cast<std::uint16_t>(RTA_LENGTH(size));
    append(&attribute, sizeof attribute);
    append(data, size);
  }
  // Finishes the header (length, sequence number) and returns the bytes to send.
  const std::vector<std::uint8_t>& finish(std::uint32_t sequence) {
    nlmsghdr header;
    std::memcpy(&header, bytes_.data(), sizeof header);
    header.nlmsg_len = static_cast<std::uint32_t>(bytes_.size());
    header.nlmsg_seq = sequence;
    std::memcpy(bytes_.data(), &header, sizeof header);
    return bytes_;
  }

 private:
  void append(const void* data, std::size_t size) {
    auto p = static_cast<const std::uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
    bytes_.resize(NLMSG_ALIGN(bytes_.size()), 0);
  }
  std::vector<std::uint8_t> bytes_;
};

// A received message: its header and the bytes after the header.
struct NetlinkMessage {
  nlmsghdr header;
  std::basic_string_view<std::uint8_t> payload;
};

// Calls `each(type, value)` for every attribute in `bytes` (after the family message).
void for_each_attribute(std::basic_string_view<std::uint8_t> bytes,
                        const std::function<void(std::uint16_t, std::basic_string_view<std::uint8_t>)>& each) {
  std::size_t offset = 0;
  while (offset + sizeof(rtattr) <= bytes.size()) {
    rtattr attribute;
    std::memcpy(&attribute, bytes.data() + offset, sizeof attribute);
    if (attribute.rta_len < sizeof(rtattr) || offset + attribute.rta_len > bytes.size()) return;
    each(static_cast<std::uint16_t>(attribute.rta_type & NLA_TYPE_MASK),
         bytes.substr(offset + RTA_LENGTH(0), attribute.rta_len - RTA_LENGTH(0)));
    offset += RTA_ALIGN(attribute.rta_len);
  }
}

// The text of an NLMSG_ERROR's extended ack (NLMSGERR_ATTR_MSG), when the kernel gave one.
std::string extended_ack_text(const NetlinkMessage& message) {
  if (!(message.header.nlmsg_flags & NLM_F_ACK_TLVS)) return "";
  // With NETLINK_CAP_ACK the original request is not echoed: the TLVs follow the nlmsgerr.
  std::size_t skip = NLMSG_ALIGN(sizeof(nlmsgerr));
  if (message.payload.size() <= skip) return "";
  std::string text;
  for_each_attribute(message.payload.substr(skip), [&](std::uint16_t type, std::basic_string_view<std::uint8_t> value) {
    if (type != NLMSGERR_ATTR_MSG) return;
    text.assign(reinterpret_cast<const char*>(value.data()), value.size());
    if (auto nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  });
  return text;
}

// One rtnetlink conversation: a socket bound to the kernel, a request, the replies until the
// request's ack or the end of its dump.
class RouteSocket {
 public:
  RouteSocket() {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) {
      open_error_ = "rtnetlink socket: " + errno_text(errno);
      return;
    }
    int one = 1;
    // Best effort: the kernel's own explanation of a refusal, and no echo of our request in it.
    ::setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    ::setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    timeval timeout{kReplyTimeoutMs / 1000, (kReplyTimeoutMs % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      open_error_ = "rtnetlink bind: " + errno_text(errno);
    }
  }
  ~RouteSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RouteSocket(const RouteSocket&) = delete;
  RouteSocket& operator=(const RouteSocket&) = delete;

  // Sends the request and hands every reply message but the final ack/done to `each`.
  // Returns the failure reason, or nothing when the kernel acked or finished the dump.
  std::optional<std::string> exchange(NetlinkRequest& request, const std::function<void(const NetlinkMessage&)>& each) {
    if (!open_error_.empty()) return open_error_;
    const std::uint32_t sequence = 1;
    const auto& bytes = request.finish(sequence);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
      return "rtnetlink send: " + errno_text(errno);
    }
    std::vector<std::uint8_t> buffer(kReceiveBuffer);
    for (;;) {
      ssize_t received = ::recv(fd_, buffer.data(), buffer.size(), MSG_TRUNC);
      if (received < 0 && errno == EINTR) continue;
      if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::string("no answer from the kernel");
      if (received < 0) return "rtnetlink receive: " + errno_text(errno);
      if (static_cast<std::size_t>(received) > buffer.size()) return std::string("rtnetlink reply larger than the buffer");
      std::size_t offset = 0, end = static_cast<std::size_t>(received);
      while (offset + sizeof(nlmsghdr) <= end) {
        NetlinkMessage message{};
        std::memcpy(&message.header, buffer.data() + offset, sizeof message.header);
        std::size_t length = message.header.nlmsg_len;
        if (length < sizeof(nlmsghdr) || offset + length > end) return std::string("malformed rtnetlink reply");
        message.payload = {buffer.data() + offset + NLMSG_HDRLEN, length - NLMSG_HDRLEN};
        offset += NLMSG_ALIGN(length);
        if (message.header.nlmsg_seq != sequence) continue;  // not ours (cannot happen on a fresh socket)
        if (message.header.nlmsg_type == NLMSG_DONE) return std::nullopt;
        if (message.header.nlmsg_type == NLMSG_ERROR) {
          nlmsgerr error{};
          if (message.payload.size() < sizeof error) return std::string("malformed rtnetlink error");
          std::memcpy(&error, message.payload.data(), sizeof error);
          if (error.error == 0) return std::nullopt;
          std::string reason = errno_text(-error.error);
          if (auto detail = extended_ack_text(message); !detail.empty()) reason += " (" + detail + ")";
          return reason;
        }
        each(message);
      }
    }
  }

 private:
  int fd_ = -1;
  std::string open_error_;
};

std::optional<IpAddress> address_from(std::uint8_t family, std::basic_string_view<std::uint8_t> bytes) {
  if (family == AF_INET && bytes.size() == 4) return IpAddress::v4_bytes(bytes.data());
  if (family == AF_INET6 && bytes.size() == 16) return IpAddress::v6_bytes(bytes.data());
  return std::nullopt;
}

std::uint8_t address_family(const IpAddress& address) { return address.is_v4() ? AF_INET : AF_INET6; }

std::string route_type_refusal(std::uint8_t type) {
  switch (type) {
    case RTN_LOCAL: return "is an address of this host";
    case RTN_BROADCAST: return "is a broadcast address";
    case RTN_MULTICAST: return "is a multicast address";
    case RTN_BLACKHOLE: return "is routed to a blackhole";
    case RTN_UNREACHABLE: return "is unreachable by route";
    case RTN_PROHIBIT: return "is prohibited by route";
    default: return "has a route of type " + std::to_string(type) + ", not unicast";
  }
}

constexpr std::uint16_t kUsableStates =
    NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;

}  // namespace

Result<NextHop, std::string> route_next_hop(const IpAddress& destination) {
  const std::string what = "route to " + destination.to_string() + ": ";
  NetlinkRequest request(RTM_GETROUTE, NLM_F_ACK);
  rtmsg route{};
  route.rtm_family = address_family(destination);
  route.rtm_dst_len = static_cast<std::uint8_t>(destination.size() * 8);
  request.add_message(route);
  request.add_attribute(RTA_DST, destination.bytes.data(), destination.size());

  std::optional<NextHop> hop;
  std::string refusal;
  RouteSocket socket;
  auto failure = socket.exchange(request, [&](const NetlinkMessage& message) {
    if (message.header.nlmsg_type != RTM_NEWROUTE || message.payload.size() < sizeof(rtmsg)) return;
    rtmsg answer;
    std::memcpy(&answer, message.payload.data(), sizeof answer);
    if (answer.rtm_type != RTN_UNICAST) {
      refusal = route_type_refusal(answer.rtm_type);
      return;
    }
    NextHop found{destination, 0};
    for_each_attribute(message.payload.substr(NLMSG_ALIGN(sizeof(rtmsg))),
                       [&](std::uint16_t type, std::basic_string_view<std::uint8_t> value) {
                         if (type == RTA_OIF && value.size() == sizeof(int)) {
                           std::memcpy(&found.ifindex, value.data(), sizeof(int));
                         } else if (type == RTA_GATEWAY) {
                           if (auto via = address_from(answer.rtm_family, value)) found.via = *via;
                         } else if (type == RTA_VIA && value.size() > sizeof(rtvia::rtvia_family)) {
                           // An IPv4 route through an IPv6 gateway (RFC 5549).
                           std::uint16_t family;
                           std::memcpy(&family, value.data(), sizeof family);
                           if (auto via = address_from(static_cast<std::uint8_t>(family), value.substr(sizeof family))) {
                             found.via = *via;
                           }
                         }
                       });
    hop = found;
  });
  if (failure) return fail(what + *failure);
  if (!refusal.empty()) return fail(what + destination.to_string() + " " + refusal);
  if (!hop) return fail(what + "the kernel answered without a route");
  if (hop->ifindex == 0) return fail(what + "the kernel's route names no interface");
  return *hop;
}

Result<std::vector<Neighbor>, std::string> dump_neighbors(int ifindex) {
  NetlinkRequest request(RTM_GETNEIGH, NLM_F_DUMP);
  ndmsg filter{};
  filter.ndm_family = AF_UNSPEC;  // both the ARP and the ND table
  request.add_message(filter);

  std::vector<Neighbor> neighbors;
  RouteSocket socket;
  auto failure = socket.exchange(request, [&](const NetlinkMessage& message) {
    if (message.header.nlmsg_type != RTM_NEWNEIGH || message.payload.size() < sizeof(ndmsg)) return;
    ndmsg entry;
    std::memcpy(&entry, message.payload.data(), sizeof entry);
    if (entry.ndm_family != AF_INET && entry.ndm_family != AF_INET6) return;
    if (ifindex != 0 && entry.ndm_ifindex != ifindex) return;
    if (entry.ndm_flags & NTF_PROXY) return;  // answered for others, not a neighbour of ours
    Neighbor neighbor;
    neighbor.ifindex = entry.ndm_ifindex;
    bool has_address = false, has_mac = false;
    for_each_attribute(message.payload.substr(NLMSG_ALIGN(sizeof(ndmsg))),
                       [&](std::uint16_t type, std::basic_string_view<std::uint8_t> value) {
                         if (type == NDA_DST) {
                           if (auto address = address_from(entry.ndm_family, value)) {
                             neighbor.address = *address;
                             has_address = true;
                           }
                         } else if (type == NDA_LLADDR && value.size() == neighbor.mac.size()) {
                           std::memcpy(neighbor.mac.data(), value.data(), neighbor.mac.size());
                           has_mac = true;
                         }
                       });
    if (!has_address) return;
    neighbor.usable = has_mac && (entry.ndm_state & kUsableStates) != 0;
    neighbors.push_back(neighbor);
  });
  if (failure) return fail("neighbour dump: " + *failure);
  return neighbors;
}

Result<Accepted, std::string> request_resolution(int ifindex, const IpAddress& address) {
  // iproute2 sends the same message for `ip neigh replace ADDR dev DEV use`, but with state
  // PERMANENT; the kernel ignores the state under NTF_USE except to exempt a new entry from the
  // neighbour table's garbage collection, which an entry that only waits for ARP must not be.
  NetlinkRequest request(RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  ndmsg entry{};
  entry.ndm_family = address_family(address);
  entry.ndm_ifindex = ifindex;
  entry.ndm_state = NUD_NONE;
  entry.ndm_flags = NTF_USE;
  request.add_message(entry);
  request.add_attribute(NDA_DST, address.bytes.data(), address.size());

  RouteSocket socket;
  auto failure = socket.exchange(request, [](const NetlinkMessage&) {});
  if (failure) {
    return fail("resolving " + address.to_string() + " on interface " + std::to_string(ifindex) + ": " + *failure);
  }
  return Accepted{};
}

int interface_index(const std::string& name) { return static_cast<int>(::if_nametoindex(name.c_str())); }

std::array<std::uint8_t, 6> interface_mac(const std::string& name) {
  ifreq request{};
  if (name.empty() || name.size() >= sizeof request.ifr_name) {
    throw std::runtime_error("interface '" + name + "': not a valid interface name");
  }
  std::memcpy(request.ifr_name, name.data(), name.size());
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("interface '" + name + "': socket: " + errno_text(errno));
  int rc = ::ioctl(fd, SIOCGIFHWADDR, &request);
  int error = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error("interface '" + name + "': " + errno_text(error));
  if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    throw std::runtime_error("interface '" + name + "': not an Ethernet interface (hardware type " +
                             std::to_string(request.ifr_hwaddr.sa_family) + ")");
  }
  std::array<std::uint8_t, 6> mac{};
  std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
  return mac;
}

}  // namespace anymesh::agent
