// MetricsServer: serves GET /metrics (Prometheus text format) over HTTP from its own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dataplane/wireguard/endpoint.h"

namespace anymesh::agent {

// The counters are the gateway's own business: by default the endpoint only listens on a
// loopback address (127.0.0.0/8, ::1), and another address needs allow_public (the
// metrics-public option), so exposing it is a decision, not an accident.
class MetricsServer {
 public:
  // `render` returns the whole exposition text (MetricsText::text()); it runs on the server's
  // thread, never twice at once. An exception from it is answered 500 with its message.
  MetricsServer(wg::Endpoint address, std::function<std::string()> render, bool allow_public = false);
  ~MetricsServer();  // stops
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds (port 0: the kernel picks one, see bound_port()) and starts serving. Throws
  // std::runtime_error with the reason: a non-loopback address without allow_public, the address
  // in use, or started already.
  void start();
  // Stops serving and joins the thread; nothing happens when not started. Idempotent.
  void stop();
  // The port listened on, 0 before start().
  std::uint16_t bound_port() const { return bound_port_; }

  static bool is_loopback(const IpAddress& address);

 private:
  struct Http;  // the cpp-httplib server and its thread
  wg::Endpoint address_;
  std::function<std::string()> render_;
  bool allow_public_;
  std::uint16_t bound_port_ = 0;
  std::unique_ptr<Http> http_;
};

}  // namespace anymesh::agent
