// The /metrics HTTP endpoint on cpp-httplib: one listening thread, one worker, short timeouts.
#include "dataplane/agent/metrics_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace anymesh::agent {
namespace {

constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";
// A scrape is one small request: a client that dawdles longer than this is dropped, so one slow or
// idle connection cannot hold the endpoint.
constexpr time_t kReadTimeoutSeconds = 2;
constexpr time_t kKeepAliveSeconds = 2;
constexpr std::size_t kWorkers = 2;

}  // namespace

struct MetricsServer::Http {
  httplib::Server server;
  std::thread thread;
  std::mutex render_mutex;  // the render function never runs twice at once
};

bool MetricsServer::is_loopback(const IpAddress& address) {
  if (address.is_v4()) return address.bytes[0] == 127;
  static const IpAddress v6_loopback = *IpAddress::parse("::1");
  if (address == v6_loopback) return true;
  // ::ffff:127.x.y.z, an IPv4 loopback address in IPv6 clothes.
  static const IpAddress mapped = *IpAddress::parse("::ffff:0.0.0.0");
  for (int i = 0; i < 12; ++i) {
    if (address.bytes[i] != mapped.bytes[i]) return false;
  }
  return address.bytes[12] == 127;
}

MetricsServer::MetricsServer(wg::Endpoint address, std::function<std::string()> render, bool allow_public)
    : address_(address), render_(std::move(render)), allow_public_(allow_public) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() {
  const std::string where = "metrics endpoint " + address_.to_string();
  if (http_) throw std::runtime_error(where + ": started already");
  if (!allow_public_ && !is_loopback(address_.address)) {
    throw std::runtime_error(where + ": not a loopback address; set metrics-public = true to serve "
                             "the gateway's counters to other hosts");
  }
  auto http = std::make_unique<Http>();
  http->server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  http->server.set_read_timeout(kReadTimeoutSeconds, 0);
  http->server.set_write_timeout(kReadTimeoutSeconds, 0);
  http->server.set_keep_alive_timeout(kKeepAliveSeconds);
  // cpp-httplib sets SO_REUSEPORT by default, which would let a second gateway listen on the same
  // port and take half the scrapes: only SO_REUSEADDR (a quick restart), so a taken port is refused.
  http->server.set_socket_options([](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  Http* state = http.get();
  http->server.Get("/metrics", [this, state](const httplib::Request&, httplib::Response& response) {
    try {
      std::lock_guard lock(state->render_mutex);
      response.set_content(render_(), kContentType);
    } catch (const std::exception& e) {
      response.status = 500;
      response.set_content(std::string("error: ") + e.what() + "\n", "text/plain; charset=utf-8");
    }
  });
  http->server.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (response.status == 404) response.set_content("not found: only /metrics is served here\n", "text/plain; charset=utf-8");
  });

  const std::string host = address_.address.to_string();
  int port = address_.port == 0 ? http->server.bind_to_any_port(host)
                                : (http->server.bind_to_port(host, address_.port) ? address_.port : -1);
  if (port <= 0) {
    throw std::runtime_error(where + ": cannot listen (address in use, or not an address of this host)");
  }
  http->thread = std::thread([state] { state->server.listen_after_bind(); });
  // stop() only interrupts a server that is already running: wait until it is.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!http->server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!http->server.is_running()) {
    http->server.stop();
    http->thread.join();
    throw std::runtime_error(where + ": the HTTP server did not start");
  }
  bound_port_ = static_cast<std::uint16_t>(port);
  http_ = std::move(http);
}

void MetricsServer::stop() {
  if (!http_) return;
  http_->server.stop();
  if (http_->thread.joinable()) http_->thread.join();
  http_.reset();
  bound_port_ = 0;
}

}  // namespace anymesh::agent
