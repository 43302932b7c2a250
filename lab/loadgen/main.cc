// loadgen: probes a target over N UDP flows and M TCP connections every interval, bounded in time,
// and reports per flow which backend answered, every change of backend and every gap in replies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "lab/loadgen/flow.h"
#include "lab/loadgen/report.h"

namespace {

using anymesh::lab::Flow;
using anymesh::lab::Nanos;

Nanos now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Options {
  std::string target;
  int port = 7000;
  int udp = 0, tcp = 0;
  double interval_ms = 1.0, duration_s = 5.0, gap_ms = 3.0, linger_s = 0.3;
  std::uint64_t count = 0;  // probes per flow; 0 = until duration
  std::string out;
};

int usage() {
  std::fprintf(stderr,
               "usage: loadgen --target IP [--port 7000] [--udp N] [--tcp N] [--interval-ms 1] [--duration 5]\n"
               "               [--count N] [--gap-ms 3] [--linger 0.3] [--out FILE]\n"
               "Every interval each flow sends \"P <flow> <seq> <ns>\\n\"; the backend answers \"<id> P ...\".\n"
               "A gap is a silence between replies longer than --gap-ms. JSON goes to --out or stdout.\n");
  return 2;
}

std::string local_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  char ip[INET_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
  return std::string(ip) + ":" + std::to_string(ntohs(a.sin_port));
}

// Connects one flow; TCP waits at most 2 s for the handshake so a dead target cannot hang the run.
bool open_flow(Flow& flow, const sockaddr_in& target) {
  flow.fd = socket(AF_INET, (flow.tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (flow.fd < 0) return false;
  if (flow.tcp) {
    int one = 1;
    setsockopt(flow.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (connect(flow.fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0 && errno != EINPROGRESS) {
    flow.error = std::string("connect: ") + std::strerror(errno);
    return false;
  }
  if (flow.tcp) {
    pollfd p{flow.fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, 2000) != 1 || getsockopt(flow.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      flow.error = std::string("connect: ") + (err ? std::strerror(err) : "timeout");
      return false;
    }
  }
  flow.local = local_of(flow.fd);
  return true;
}

// Handles one reply line "<id> P <flow> <seq> <ns>" arriving at time at (ns since start).
void on_reply(Flow& flow, const char* line, std::size_t len, Nanos at, Nanos start, Nanos gap_ns) {
  const std::string text(line, len);
  const auto space = text.find(' ');
  if (space == std::string::npos) return;
  const std::string id = text.substr(0, space);
  unsigned long long seq = 0;
  long long sent_ns = 0;
  int flow_id = -1;
  if (std::sscanf(text.c_str() + space + 1, "P %d %llu %lld", &flow_id, &seq, &sent_ns) != 3 || flow_id != flow.id) return;
  ++flow.received;
  ++flow.replies_by_backend[id];
  flow.rtt_ms.push_back(static_cast<double>(start + at - sent_ns) / 1e6);
  if (!flow.backend.empty() && flow.backend != id) flow.changes.push_back({at, seq, flow.backend, id});
  flow.backend = id;
  if (flow.last_reply >= 0 && at - flow.last_reply > gap_ns) flow.gaps.push_back({flow.last_reply, at - flow.last_reply, false});
  flow.last_reply = at;
  if (seq > flow.highest_seq_seen) flow.highest_seq_seen = seq;
}

void read_flow(Flow& flow, Nanos start, Nanos gap_ns) {
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(flow.fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    const Nanos at = now_ns() - start;
    if (n < 0) return;
    if (n == 0) {
      if (flow.tcp && flow.error.empty()) flow.error = "closed by peer at " + std::to_string(at / 1000000) + " ms";
      return;
    }
    if (!flow.tcp) {
      std::size_t len = static_cast<std::size_t>(n);
      if (len && buf[len - 1] == '\n') --len;
      on_reply(flow, buf, len, at, start, gap_ns);
      continue;
    }
    flow.pending.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = flow.pending.find('\n')) != std::string::npos) {
      on_reply(flow, flow.pending.data(), nl, at, start, gap_ns);
      flow.pending.erase(0, nl + 1);
    }
  }
}

void send_probe(Flow& flow, Nanos now) {
  char probe[96];
  const int len = std::snprintf(probe, sizeof probe, "P %d %llu %lld\n", flow.id,
                                static_cast<unsigned long long>(flow.sent), static_cast<long long>(now));
  // A full TCP send buffer (peer unreachable) keeps the probe's sequence number unused: only probes
  // that left count as sent.
  if (send(flow.fd, probe, static_cast<std::size_t>(len), MSG_DONTWAIT | MSG_NOSIGNAL) == len) ++flow.sent;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--target") o.target = v;
    else if (k == "--port") o.port = std::atoi(v.c_str());
    else if (k == "--udp") o.udp = std::atoi(v.c_str());
    else if (k == "--tcp") o.tcp = std::atoi(v.c_str());
    else if (k == "--interval-ms") o.interval_ms = std::atof(v.c_str());
    else if (k == "--duration") o.duration_s = std::atof(v.c_str());
    else if (k == "--count") o.count = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--gap-ms") o.gap_ms = std::atof(v.c_str());
    else if (k == "--linger") o.linger_s = std::atof(v.c_str());
    else if (k == "--out") o.out = v;
    else return usage();
  }
  if ((argc - 1) % 2 != 0) return usage();
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (inet_pton(AF_INET, o.target.c_str(), &target.sin_addr) != 1 || o.udp + o.tcp <= 0 || o.udp + o.tcp > 4096 ||
      o.interval_ms < 0.1 || o.duration_s <= 0 || o.duration_s > 3600 || o.gap_ms <= 0)
    return usage();

  std::vector<Flow> flows(static_cast<std::size_t>(o.udp + o.tcp));
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < flows.size(); ++i) {
    Flow& f = flows[i];
    f.id = static_cast<int>(i);
    f.tcp = static_cast<int>(i) >= o.udp;
    f.rtt_ms.reserve(o.count ? o.count : static_cast<std::size_t>(o.duration_s * 1000.0 / o.interval_ms) + 16);
    if (!open_flow(f, target)) {
      if (f.fd >= 0) close(f.fd);
      f.fd = -1;
      continue;
    }
    epoll_event ev{EPOLLIN, {.u64 = i}};
    epoll_ctl(ep, EPOLL_CTL_ADD, f.fd, &ev);
  }

  const int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  const auto interval_ns = static_cast<Nanos>(o.interval_ms * 1e6);
  itimerspec spec{};
  spec.it_interval = timespec{interval_ns / 1'000'000'000, interval_ns % 1'000'000'000};
  spec.it_value = timespec{0, 1};
  timerfd_settime(timer, 0, &spec, nullptr);
  epoll_event tev{EPOLLIN, {.u64 = ~0ULL}};
  epoll_ctl(ep, EPOLL_CTL_ADD, timer, &tev);

  const Nanos start = now_ns();
  const Nanos stop_sending = start + static_cast<Nanos>(o.duration_s * 1e9);
  const Nanos stop_all = stop_sending + static_cast<Nanos>(o.linger_s * 1e9);
  const auto gap_ns = static_cast<Nanos>(o.gap_ms * 1e6);
  anymesh::lab::RunInfo run{o.target, o.port, o.interval_ms, o.gap_ms, 0, 0};
  bool sending = true;
  epoll_event events[256];
  for (;;) {
    const Nanos now = now_ns();
    if (now >= stop_all) break;
    if (sending && now >= stop_sending) {
      sending = false;
      timerfd_settime(timer, 0, &(const itimerspec&)itimerspec{}, nullptr);
    }
    const int n = epoll_wait(ep, events, 256, 10);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == ~0ULL) {
        std::uint64_t ticks = 0;
        if (read(timer, &ticks, sizeof ticks) != sizeof ticks || !sending) continue;
        if (ticks > 1) run.late_ticks += ticks - 1;
        const Nanos at = now_ns();
        bool all_done = true;
        for (auto& f : flows) {
          if (f.fd < 0 || (o.count && f.sent >= o.count)) continue;
          send_probe(f, at);
          all_done = false;
        }
        if (all_done) {
          sending = false;
          // Everything sent: wait only the linger time for the last replies.
          timerfd_settime(timer, 0, &(const itimerspec&)itimerspec{}, nullptr);
        }
        continue;
      }
      read_flow(flows[events[i].data.u64], start, gap_ns);
    }
  }
  const Nanos end = now_ns() - start;
  run.duration_ms = static_cast<double>(end) / 1e6;
  // A silence still going on when the run ends is a gap too (marked open), so a dead path is not hidden.
  for (auto& f : flows) {
    const Nanos since = f.last_reply >= 0 ? f.last_reply : 0;
    if (f.fd >= 0 && end - since > gap_ns + static_cast<Nanos>(o.linger_s * 1e9)) f.gaps.push_back({since, end - since, true});
  }
  std::FILE* out = stdout;
  if (!o.out.empty() && !(out = std::fopen(o.out.c_str(), "w"))) {
    std::perror(o.out.c_str());
    return 1;
  }
  anymesh::lab::write_report(out, run, flows);
  if (out != stdout) std::fclose(out);
  return 0;
}
