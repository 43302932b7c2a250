// stream: a bounded UDP sender and receiver that measure what a WAN link delivers (rate, loss, gaps, order).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

using Nanos = std::int64_t;

Nanos now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Every datagram starts with this; the rest of the payload is padding up to --size.
struct Stamp {
  std::uint64_t seq;
  std::int64_t sent_ns;
};

// Bytes a UDP payload occupies as an Ethernet frame (no FCS): what the emulator's rate limit counts.
constexpr std::size_t kFrameOverhead = 14 + 20 + 8;

// Set by SIGINT/SIGTERM: send stops early and still reports what it sent.
volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

int usage() {
  std::fprintf(stderr,
               "usage: stream send --to IP:PORT [--size 64] [--pps N|0=max] [--count N] [--duration S]\n"
               "       (SIGINT/SIGTERM end send early; it still prints its JSON)\n"
               "       stream recv --port P [--duration S] [--idle S] [--gap-ms MS] [--bin-ms MS]\n"
               "recv prints JSON: packets, frame bytes, window, rates, lost (by sequence), reordered, gaps;\n"
               "with --bin-ms also the packets received in each bin of that width from the first arrival.\n");
  return 2;
}

bool parse_addr(const std::string& text, sockaddr_in& out) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<std::uint16_t>(std::atoi(text.c_str() + colon + 1)));
  return inet_pton(AF_INET, text.substr(0, colon).c_str(), &out.sin_addr) == 1;
}

int send_mode(int argc, char** argv) {
  sockaddr_in to{};
  std::size_t size = 64;
  double pps = 0, duration = 1.0;
  std::uint64_t count = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--to") { if (!parse_addr(v, to)) return usage(); }
    else if (k == "--size") size = std::strtoul(v.c_str(), nullptr, 10);
    else if (k == "--pps") pps = std::atof(v.c_str());
    else if (k == "--count") count = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--duration") duration = std::atof(v.c_str());
    else return usage();
  }
  if (to.sin_port == 0 || size < sizeof(Stamp) || size > 1472 || duration <= 0 || duration > 600) return usage();
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    std::perror("stream send");
    return 1;
  }
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
  constexpr int kBatch = 32;
  std::vector<std::uint8_t> payload(static_cast<std::size_t>(kBatch) * size, 0);
  iovec iov[kBatch];
  mmsghdr msgs[kBatch]{};
  for (int i = 0; i < kBatch; ++i) {
    iov[i] = iovec{payload.data() + static_cast<std::size_t>(i) * size, size};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  const Nanos start = now_ns();
  const Nanos end = start + static_cast<Nanos>(duration * 1e9);
  std::uint64_t seq = 0, refused = 0;
  for (;;) {
    const Nanos now = now_ns();
    if (now >= end || (count && seq >= count) || g_stop) break;
    // Paced: send what is due by now, then sleep 100 us; unpaced (--pps 0): full batches back to back.
    std::uint64_t due = pps > 0 ? static_cast<std::uint64_t>(static_cast<double>(now - start) * pps / 1e9) + 1 : seq + kBatch;
    if (count) due = std::min(due, count);
    while (seq < due) {
      const int n = static_cast<int>(std::min<std::uint64_t>(kBatch, due - seq));
      const Nanos stamp_time = now_ns();
      for (int i = 0; i < n; ++i) {
        Stamp s{seq + static_cast<std::uint64_t>(i), stamp_time};
        std::memcpy(payload.data() + static_cast<std::size_t>(i) * size, &s, sizeof s);
      }
      const int sent = sendmmsg(fd, msgs, static_cast<unsigned>(n), 0);
      if (sent <= 0) {
        // Full socket buffer or ENOBUFS: the sequence number is burnt so the receiver counts it as lost.
        ++refused;
        seq += 1;
        continue;
      }
      seq += static_cast<std::uint64_t>(sent);
    }
    if (pps > 0) {
      timespec pause{0, 100'000};
      nanosleep(&pause, nullptr);
    }
  }
  const double secs = static_cast<double>(now_ns() - start) / 1e9;
  std::printf("{\"sent\":%llu,\"refused\":%llu,\"seconds\":%.6f,\"pps\":%.1f}\n", static_cast<unsigned long long>(seq),
              static_cast<unsigned long long>(refused), secs, static_cast<double>(seq) / secs);
  close(fd);
  return 0;
}

struct Gap {
  Nanos start, end;  // arrival of the last frame before the gap, of the first frame after it
};

int recv_mode(int argc, char** argv) {
  int port = 0;
  double duration = 5.0, idle = 0.5, gap_ms = 0.5, bin_ms = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") port = std::atoi(v.c_str());
    else if (k == "--duration") duration = std::atof(v.c_str());
    else if (k == "--idle") idle = std::atof(v.c_str());
    else if (k == "--gap-ms") gap_ms = std::atof(v.c_str());
    else if (k == "--bin-ms") bin_ms = std::atof(v.c_str());
    else return usage();
  }
  if (port <= 0 || duration <= 0 || duration > 600 || bin_ms < 0 || (bin_ms > 0 && bin_ms < 0.1)) return usage();
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int rcvbuf = 16 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("stream recv: bind");
    return 1;
  }
  timeval tick{0, 20'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  constexpr int kBatch = 64;
  std::vector<std::uint8_t> bufs(kBatch * 2048);
  iovec iov[kBatch];
  mmsghdr msgs[kBatch]{};
  for (int i = 0; i < kBatch; ++i) {
    iov[i] = iovec{bufs.data() + i * 2048, 2048};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  std::fprintf(stderr, "stream recv: listening on %d\n", port);
  const Nanos start = now_ns();
  const Nanos deadline = start + static_cast<Nanos>(duration * 1e9);
  const Nanos gap_ns = static_cast<Nanos>(gap_ms * 1e6);
  std::uint64_t packets = 0, frame_bytes = 0, first_bytes = 0, reordered = 0, max_seq = 0;
  Nanos first = 0, last = 0;
  std::vector<Gap> gaps;
  std::vector<double> one_way;  // arrival - send stamp, ms (same host clock, so meaningful)
  one_way.reserve(1 << 20);
  // Arrivals per bin (a receive rate over time); sized for the whole duration up front.
  const Nanos bin_ns = static_cast<Nanos>(bin_ms * 1e6);
  std::vector<std::uint32_t> bins(bin_ns > 0 ? static_cast<std::size_t>(duration * 1e9 / static_cast<double>(bin_ns)) + 1 : 0);
  for (;;) {
    const Nanos now = now_ns();
    if (now >= deadline || (packets > 0 && now - last > static_cast<Nanos>(idle * 1e9))) break;
    const int n = recvmmsg(fd, msgs, kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;
    const Nanos at = now_ns();
    for (int i = 0; i < n; ++i) {
      const std::size_t len = msgs[i].msg_len;
      if (len < sizeof(Stamp)) continue;
      Stamp s;
      std::memcpy(&s, iov[i].iov_base, sizeof s);
      if (packets == 0) {
        first = at;
        first_bytes = len + kFrameOverhead;
      } else if (at - last > gap_ns && gaps.size() < 100000) {
        gaps.push_back(Gap{last, at});
      }
      if (packets > 0 && s.seq < max_seq) ++reordered;
      max_seq = std::max(max_seq, s.seq);
      ++packets;
      frame_bytes += len + kFrameOverhead;
      last = at;
      if (bin_ns > 0) {
        const auto bin = static_cast<std::size_t>((at - first) / bin_ns);
        if (bin < bins.size()) ++bins[bin];
      }
      if (one_way.size() < one_way.capacity()) one_way.push_back(static_cast<double>(at - s.sent_ns) / 1e6);
    }
  }
  const double window = static_cast<double>(last - first) / 1e9;
  // The first frame opens the window, so its bytes do not count toward the rate over it.
  const double bps = window > 0 ? static_cast<double>(frame_bytes - first_bytes) * 8.0 / window : 0.0;
  const double pps = window > 0 ? static_cast<double>(packets - 1) / window : 0.0;
  std::sort(one_way.begin(), one_way.end());
  const double median = one_way.empty() ? 0.0 : one_way[one_way.size() / 2];
  std::printf("{\"packets\":%llu,\"frame_bytes\":%llu,\"window_s\":%.6f,\"pps\":%.1f,\"frame_bps\":%.1f,"
              "\"highest_seq\":%llu,\"lost\":%lld,\"reordered\":%llu,\"one_way_median_ms\":%.4f,"
              "\"first_ns\":%lld,\"last_ns\":%lld,\"gaps\":[",
              static_cast<unsigned long long>(packets), static_cast<unsigned long long>(frame_bytes), window, pps, bps,
              static_cast<unsigned long long>(max_seq),
              packets ? static_cast<long long>(max_seq + 1) - static_cast<long long>(packets) : 0LL,
              static_cast<unsigned long long>(reordered), median, static_cast<long long>(first),
              static_cast<long long>(last));
  for (std::size_t i = 0; i < gaps.size(); ++i)
    std::printf("%s[%lld,%lld]", i ? "," : "", static_cast<long long>(gaps[i].start),
                static_cast<long long>(gaps[i].end));
  std::printf("]");
  if (bin_ns > 0) {
    // Up to the last arrival's bin: bins after it are only the idle wait before the exit.
    const std::size_t used = packets ? std::min(bins.size(), static_cast<std::size_t>((last - first) / bin_ns) + 1) : 0;
    std::printf(",\"bin_ms\":%g,\"bins\":[", bin_ms);
    for (std::size_t i = 0; i < used; ++i) std::printf("%s%u", i ? "," : "", bins[i]);
    std::printf("]");
  }
  std::printf("}\n");
  close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  if (mode == "send") return send_mode(argc, argv);
  if (mode == "recv") return recv_mode(argc, argv);
  return usage();
}
