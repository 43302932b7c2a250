// The poll loop of anymesh-wg: TUN -> seal -> sendmmsg, recvmmsg -> open -> TUN, UAPI, timers.
#include "dataplane/tools/anymesh-wg/interface.h"

#include <poll.h>

#include <cstdio>

#include "dataplane/wireguard/uapi_device.h"

namespace anymesh::wg {
namespace {
constexpr std::size_t kTunBatch = 64;
constexpr std::size_t kTunSlot = 2048;
}  // namespace

Interface::Interface(InterfaceOptions options)
    : options_(std::move(options)),
      clock_(options_.time_scale),
      device_(clock_, Device::Options{static_cast<std::size_t>(options_.mtu), options_.force_cookie, 1000}),
      tun_(options_.name, options_.mtu),
      outbox_(512),
      tun_storage_(kTunBatch * kTunSlot) {
  if (int e = udp_.bind(0); e != 0) throw std::system_error(e, std::generic_category(), "bind UDP socket");
  UapiServerOptions uo;
  uo.log = [](std::string_view why) { std::fprintf(stderr, "anymesh-wg: uapi: %.*s\n", int(why.size()), why.data()); };
  uapi_ = std::make_unique<UapiServer>(
      options_.name, [this](const UapiSetRequest& r) { return on_set(r); }, [this] { return on_get(); }, uo);
  tun_batch_.reserve(kTunBatch);
  deliveries_.reserve(UdpSocket::kBatch);
}

Interface::~Interface() = default;

int Interface::on_set(const UapiSetRequest& request) {
  if (request.fwmark) {
    if (int e = udp_.set_fwmark(*request.fwmark); e != 0) return e;
    fwmark_ = *request.fwmark;
  }
  if (request.listen_port && *request.listen_port != udp_.port()) {
    if (int e = udp_.bind(*request.listen_port); e != 0) return e;
  }
  int rc = apply_uapi_set(device_, request, outbox_);
  flush();
  return rc;
}

UapiDeviceState Interface::on_get() { return uapi_state_of(device_, udp_.port(), fwmark_); }

std::size_t Interface::pump_tun() {
  tun_batch_.clear();
  for (std::size_t i = 0; i < kTunBatch; ++i) {
    std::uint8_t* slot = tun_storage_.data() + i * kTunSlot + kHeadroom;
    long n = tun_.read(slot, kTunSlot - kHeadroom - kTailroom);
    if (n <= 0) break;
    tun_batch_.push_back({slot, static_cast<std::size_t>(n)});
  }
  if (!tun_batch_.empty()) device_.send(tun_batch_, outbox_);
  return tun_batch_.size();
}

std::size_t Interface::pump_udp() {
  auto datagrams = udp_.receive();
  if (datagrams.empty()) return 0;
  deliveries_.clear();
  device_.receive(datagrams, deliveries_, outbox_);
  for (const Delivery& d : deliveries_) {
    if (!tun_.write(d.data, d.len)) ++tun_write_failures_;
  }
  return datagrams.size();
}

void Interface::flush() {
  if (outbox_.transmits().empty()) return;
  udp_send_failures_ += udp_.send(outbox_.transmits());
  outbox_.clear();
}

void Interface::dump_counters(std::FILE* to) const {
  std::fprintf(to, "anymesh-wg: %s: counters\n", options_.name.c_str());
  device_.counters().for_each([to](const char* name, std::uint64_t value) {
    std::fprintf(to, "counter %s %llu\n", name, static_cast<unsigned long long>(value));
  });
  std::fprintf(to, "counter tun_write_failures %llu\n", static_cast<unsigned long long>(tun_write_failures_));
  std::fprintf(to, "counter udp_send_failures %llu\n", static_cast<unsigned long long>(udp_send_failures_));
  std::fflush(to);
}

int Interface::run(const std::atomic<bool>& stop, std::atomic<bool>& dump) {
  std::vector<pollfd> fds;
  auto last_tick = clock_.now();
  const auto tick_every = std::chrono::milliseconds(10);
  while (!stop.load(std::memory_order_relaxed)) {
    fds.clear();
    fds.push_back({tun_.fd(), POLLIN, 0});
    fds.push_back({udp_.fd(), POLLIN, 0});
    for (int fd : uapi_->poll_fds()) fds.push_back({fd, POLLIN, 0});
    for (int fd : uapi_->write_fds()) fds.push_back({fd, POLLOUT, 0});
    int n = ::poll(fds.data(), fds.size(), 10);
    if (n < 0 && errno != EINTR) {
      std::perror("anymesh-wg: poll");
      return 1;
    }
    if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) break;  // interface deleted
    // Drain both directions a burst at a time, alternating, so neither starves the other.
    bool tun_ready = fds[0].revents & POLLIN;
    bool udp_ready = fds[1].revents & POLLIN;
    for (int round = 0; round < 16 && (tun_ready || udp_ready); ++round) {
      if (tun_ready && pump_tun() < kTunBatch) tun_ready = false;
      if (udp_ready && pump_udp() < UdpSocket::kBatch) udp_ready = false;
      flush();
    }
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents & POLLOUT) uapi_->on_writable(fds[i].fd);
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) uapi_->on_readable(fds[i].fd);
    }
    if (dump.exchange(false)) dump_counters(stderr);
    auto now = clock_.now();
    if (now - last_tick >= tick_every * options_.time_scale || now < last_tick) {
      device_.tick(outbox_);
      flush();
      last_tick = now;
    }
  }
  return 0;
}

}  // namespace anymesh::wg
