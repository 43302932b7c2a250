// backend: the lab's region backend; answers UDP echo, TCP line echo and HTTP GET with its identity.
//
// UDP  PORT: reply = "<id> " + request, sent from the address the request was sent to (the VIP on lo
//            or the backend's own address), so clients see the address they asked.
// TCP  PORT: every line "x\n" is answered with "<id> x\n" (loadgen's TCP probes).
// HTTP HTTP_PORT: any request gets "200 OK" and the body "<id>\n".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int listen_socket(int type, int port) {
  const int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (type == SOCK_DGRAM) {
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    // Bursts of thousands of new flows (tests) must queue, not overflow the default ~200 KiB.
    int bytes = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || (type == SOCK_STREAM && listen(fd, 1024) != 0)) {
    std::fprintf(stderr, "backend: bind port %d: %s\n", port, std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

// Answers every queued datagram; the reply leaves from the request's destination address.
void serve_udp(int fd, const std::string& id) {
  char buf[2048], reply[2200], control[256];
  for (;;) {
    sockaddr_in peer{};
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &peer;
    msg.msg_namelen = sizeof peer;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) return;
    in_addr local{};
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
        local = reinterpret_cast<in_pktinfo*>(CMSG_DATA(c))->ipi_addr;
    const std::size_t head = id.size() + 1;
    std::memcpy(reply, id.data(), id.size());
    reply[id.size()] = ' ';
    std::memcpy(reply + head, buf, static_cast<std::size_t>(n));
    iovec out_iov{reply, head + static_cast<std::size_t>(n)};
    char out_control[CMSG_SPACE(sizeof(in_pktinfo))]{};
    msghdr out{};
    out.msg_name = &peer;
    out.msg_namelen = sizeof peer;
    out.msg_iov = &out_iov;
    out.msg_iovlen = 1;
    out.msg_control = out_control;
    out.msg_controllen = sizeof out_control;
    cmsghdr* c = CMSG_FIRSTHDR(&out);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst = local;
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    sendmsg(fd, &out, MSG_DONTWAIT);
  }
}

struct Connection {
  bool http;
  std::string in;
};

// Returns false when the connection is finished (closed by the peer, or an HTTP answer was sent).
bool serve_connection(int fd, Connection& conn, const std::string& id) {
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN;
    conn.in.append(buf, static_cast<std::size_t>(n));
    if (conn.http) {
      if (conn.in.find("\r\n\r\n") == std::string::npos && conn.in.find("\n\n") == std::string::npos) continue;
      const std::string body = id + "\n";
      const std::string answer = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      return false;
    }
    std::string out;
    std::size_t nl;
    while ((nl = conn.in.find('\n')) != std::string::npos) {
      out += id + " " + conn.in.substr(0, nl + 1);
      conn.in.erase(0, nl + 1);
    }
    if (conn.in.size() > 65536) return false;  // a peer that never sends a newline is not a probe
    if (!out.empty() && send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN)
      return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string id;
  int port = 7000, http_port = 80;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--id") id = v;
    else if (k == "--port") port = std::atoi(v.c_str());
    else if (k == "--http-port") http_port = std::atoi(v.c_str());
    else id.clear(), i = argc;
  }
  if (id.empty() || id.find(' ') != std::string::npos) {
    std::fprintf(stderr, "usage: backend --id r1-be1 [--port 7000] [--http-port 80]\n");
    return 2;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  const int udp = listen_socket(SOCK_DGRAM, port);
  const int tcp = listen_socket(SOCK_STREAM, port);
  const int http = listen_socket(SOCK_STREAM, http_port);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  for (int fd : {udp, tcp, http}) {
    epoll_event ev{EPOLLIN, {.fd = fd}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  std::unordered_map<int, Connection> connections;
  epoll_event events[64];
  while (!g_stop) {
    const int n = epoll_wait(ep, events, 64, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == udp) {
        serve_udp(udp, id);
      } else if (fd == tcp || fd == http) {
        for (int c; (c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
          int one = 1;
          setsockopt(c, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
          epoll_event ev{EPOLLIN | EPOLLRDHUP, {.fd = c}};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
          connections[c] = Connection{fd == http, {}};
        }
      } else if (!serve_connection(fd, connections[fd], id)) {
        connections.erase(fd);
        close(fd);
      }
    }
  }
  return 0;
}
