// Interface: one userspace WireGuard interface: a TUN device, a UDP socket, the UAPI socket and the
// tunnel core, driven by one poll loop that moves packets in bursts.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/packet/buffer_area.h"
#include "dataplane/tools/anymesh-wg/tun_device.h"
#include "dataplane/tools/anymesh-wg/udp_socket.h"
#include "dataplane/wireguard/clock.h"
#include "dataplane/wireguard/device.h"
#include "dataplane/wireguard/uapi_server.h"

namespace anymesh::wg {

struct InterfaceOptions {
  std::string name;
  int mtu = kDefaultMtu;
  double time_scale = 1.0;    // test-only: protocol timers run this many times faster
  bool force_cookie = false;  // test-only: behave as if under load
};

class Interface {
 public:
  explicit Interface(InterfaceOptions options);
  ~Interface();
  // Runs until stop is set or the TUN interface disappears; writes every counter to stderr each time
  // dump is set (SIGUSR1). Returns the process exit code.
  int run(const std::atomic<bool>& stop, std::atomic<bool>& dump);
  void dump_counters(std::FILE* to) const;

 private:
  std::size_t pump_tun();  // packets read from the TUN this burst
  std::size_t pump_udp();  // datagrams received this burst
  void flush();
  int on_set(const UapiSetRequest& request);
  UapiDeviceState on_get();

  InterfaceOptions options_;
  SystemClock clock_;
  Device device_;
  TunDevice tun_;
  UdpSocket udp_;
  std::unique_ptr<UapiServer> uapi_;
  std::uint32_t fwmark_ = 0;
  Outbox outbox_;
  BufferArea tun_storage_;
  std::vector<Packet> tun_batch_;
  std::vector<Delivery> deliveries_;
  std::uint64_t tun_write_failures_ = 0;
  std::uint64_t udp_send_failures_ = 0;
};

}  // namespace anymesh::wg
