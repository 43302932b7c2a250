// handshake-flood: a bounded flood of WireGuard handshake initiations with a valid MAC1 for one
// gateway's public key from a static key it does not know; counts the cookie replies it gets and,
// on the sockets told to, uses the cookie (valid MAC2) as a flooder with a real address would.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/packet/bytes.h"
#include "dataplane/wireguard/cookie.h"
#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/key.h"
#include "dataplane/wireguard/noise.h"

namespace {

namespace wg = anymesh::wg;
using Nanos = std::chrono::nanoseconds;

Nanos now_ns() { return std::chrono::steady_clock::now().time_since_epoch(); }

volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

int usage() {
  std::fprintf(stderr,
               "usage: handshake-flood --to IP:PORT --public-key-file FILE [--pps N] [--duration S]\n"
               "         [--sources IP,IP,...] [--sockets-per-source N] [--cookie-sockets N] [--messages N]\n"
               "Sends initiations (valid MAC1 for the key in FILE, an unknown static key) round robin over\n"
               "N sockets per source address; the first --cookie-sockets of them add MAC2 once a cookie reply\n"
               "came. Prints JSON: sent, refused, seconds, pps, cookie_replies, cookies_taken, sent_with_mac2,\n"
               "other_replies.\n");
  return 2;
}

bool parse_addr(const std::string& text, sockaddr_in& out) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<std::uint16_t>(std::atoi(text.c_str() + colon + 1)));
  return inet_pton(AF_INET, text.substr(0, colon).c_str(), &out.sin_addr) == 1;
}

std::optional<wg::Key> read_public_key(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text)) return std::nullopt;
  return wg::key_from_base64(text);
}

// The pool of initiations sent again and again: a responder keeps no state for an unknown static
// key, so copies cost it as much as fresh ones, and the flooder spends its CPU on sending.
struct Initiation {
  std::vector<std::uint8_t> bytes;  // mac2 zero
};

std::vector<Initiation> build_pool(const wg::Key& target, std::size_t n) {
  wg::StaticIdentity forged;
  forged.set(wg::generate_private_key());
  wg::Handshake hs;
  hs.remote_static = target;
  hs.precompute(forged);
  wg::CookieMaker macs;
  macs.set_peer_public_key(target);
  std::vector<Initiation> pool(n);
  for (std::size_t i = 0; i < n; ++i) {
    pool[i].bytes.assign(wg::initiation::size, 0);
    std::uint32_t index = static_cast<std::uint32_t>(i + 1);
    if (!wg::create_initiation(hs, forged, index, std::chrono::system_clock::now(), pool[i].bytes.data())) {
      throw std::runtime_error("cannot build an initiation (bad public key?)");
    }
    macs.add_macs(pool[i].bytes.data(), wg::initiation::size, Nanos{0});  // no cookie: mac2 zero
  }
  hs.clear();
  forged.clear();
  return pool;
}

// One socket; with cookies on, it keeps the cookie the gateway gave this address and port.
struct Socket {
  int fd = -1;
  bool use_cookie = false;
  wg::CookieMaker macs;
  bool have_cookie = false;
};

struct Totals {
  std::uint64_t sent = 0, refused = 0, cookie_replies = 0, cookies_taken = 0, sent_with_mac2 = 0, other = 0;
};

void drain(Socket& s, const std::vector<Initiation>& pool, Totals& t) {
  std::uint8_t buf[256];
  for (;;) {
    ssize_t n = recv(s.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return;
    if (n != static_cast<ssize_t>(wg::cookie_reply::size) ||
        buf[0] != static_cast<std::uint8_t>(wg::MessageType::cookie_reply)) {
      ++t.other;
      continue;
    }
    ++t.cookie_replies;
    if (!s.use_cookie) continue;
    // The reply names the initiation it answers by our sender index; its mac1 is the key's AD.
    std::uint32_t index = anymesh::load_le32(buf + wg::cookie_reply::receiver);
    if (index == 0 || index > pool.size()) continue;
    std::vector<std::uint8_t> copy = pool[index - 1].bytes;
    s.macs.add_macs(copy.data(), copy.size(), now_ns());  // remembers that message's mac1
    if (s.macs.consume_reply(buf, now_ns())) {
      s.have_cookie = true;
      ++t.cookies_taken;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  sockaddr_in to{};
  std::string key_file, sources_text = "0.0.0.0";
  double pps = 10000, duration = 5;
  int sockets_per_source = 4, cookie_sockets = 0;
  std::size_t messages = 256;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--to") { if (!parse_addr(v, to)) return usage(); }
    else if (k == "--public-key-file") key_file = v;
    else if (k == "--pps") pps = std::atof(v.c_str());
    else if (k == "--duration") duration = std::atof(v.c_str());
    else if (k == "--sources") sources_text = v;
    else if (k == "--sockets-per-source") sockets_per_source = std::atoi(v.c_str());
    else if (k == "--cookie-sockets") cookie_sockets = std::atoi(v.c_str());
    else if (k == "--messages") messages = std::strtoul(v.c_str(), nullptr, 10);
    else return usage();
  }
  // Bounded by construction: at most 10 minutes, at most 1 Mpps.
  if (to.sin_port == 0 || key_file.empty() || pps <= 0 || pps > 1e6 || duration <= 0 || duration > 600 ||
      sockets_per_source < 1 || sockets_per_source > 64 || messages < 1 || messages > 65536) {
    return usage();
  }
  auto target = read_public_key(key_file);
  if (!target) {
    std::fprintf(stderr, "handshake-flood: no base64 public key in %s\n", key_file.c_str());
    return 1;
  }
  std::vector<Initiation> pool;
  try {
    pool = build_pool(*target, messages);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "handshake-flood: %s\n", e.what());
    return 1;
  }

  std::vector<Socket> sockets;
  std::stringstream list(sources_text);
  for (std::string source; std::getline(list, source, ',');) {
    sockaddr_in from{};
    if (!parse_addr(source + ":0", from)) return usage();
    for (int k = 0; k < sockets_per_source; ++k) {
      Socket s;
      s.fd = socket(AF_INET, SOCK_DGRAM, 0);
      if (s.fd < 0 || bind(s.fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
          connect(s.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        std::fprintf(stderr, "handshake-flood: socket from %s: %s\n", source.c_str(), std::strerror(errno));
        return 1;
      }
      int sndbuf = 1 << 20;
      setsockopt(s.fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
      s.use_cookie = static_cast<int>(sockets.size()) < cookie_sockets;
      s.macs.set_peer_public_key(*target);
      sockets.push_back(std::move(s));
    }
  }

  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  Totals t;
  std::vector<std::uint8_t> with_mac2(wg::initiation::size);
  const Nanos start = now_ns();
  const Nanos end = start + Nanos(static_cast<std::int64_t>(duration * 1e9));
  std::size_t next_socket = 0, next_message = 0;
  for (;;) {
    const Nanos now = now_ns();
    if (now >= end || g_stop) break;
    // Paced: what is due by now goes out, then a 100 us pause.
    const auto due = static_cast<std::uint64_t>(static_cast<double>((now - start).count()) * pps / 1e9) + 1;
    while (t.sent + t.refused < due) {
      Socket& s = sockets[next_socket];
      next_socket = (next_socket + 1) % sockets.size();
      const Initiation& m = pool[next_message];
      next_message = (next_message + 1) % pool.size();
      const std::uint8_t* bytes = m.bytes.data();
      if (s.have_cookie) {
        std::memcpy(with_mac2.data(), bytes, with_mac2.size());
        s.macs.add_macs(with_mac2.data(), with_mac2.size(), now);
        bytes = with_mac2.data();
      }
      if (send(s.fd, bytes, wg::initiation::size, MSG_DONTWAIT) == static_cast<ssize_t>(wg::initiation::size)) {
        ++t.sent;
        if (s.have_cookie) ++t.sent_with_mac2;
      } else {
        ++t.refused;  // full socket buffer: counted, not retried, so the rate stays what was asked
      }
    }
    for (Socket& s : sockets) drain(s, pool, t);
    timespec pause{0, 100'000};
    nanosleep(&pause, nullptr);
  }
  // Replies still on their way.
  const Nanos tail_end = now_ns() + std::chrono::milliseconds(300);
  while (now_ns() < tail_end) {
    for (Socket& s : sockets) drain(s, pool, t);
    timespec pause{0, 1'000'000};
    nanosleep(&pause, nullptr);
  }
  const double secs = static_cast<double>((now_ns() - start).count()) / 1e9 - 0.3;
  std::printf("{\"sent\":%llu,\"refused\":%llu,\"seconds\":%.3f,\"pps\":%.1f,\"cookie_replies\":%llu,"
              "\"cookies_taken\":%llu,\"sent_with_mac2\":%llu,\"other_replies\":%llu,\"sockets\":%zu}\n",
              static_cast<unsigned long long>(t.sent), static_cast<unsigned long long>(t.refused), secs,
              static_cast<double>(t.sent) / secs, static_cast<unsigned long long>(t.cookie_replies),
              static_cast<unsigned long long>(t.cookies_taken), static_cast<unsigned long long>(t.sent_with_mac2),
              static_cast<unsigned long long>(t.other), sockets.size());
  for (Socket& s : sockets) close(s.fd);
  return 0;
}
