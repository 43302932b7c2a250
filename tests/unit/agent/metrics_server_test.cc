// The /metrics endpoint over real loopback HTTP: body and content type, 404 elsewhere, the
// loopback-only rule, port 0, stop and restart.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "dataplane/agent/metrics_server.h"
#include "dataplane/agent/metrics_text.h"

namespace anymesh::agent {
namespace {

wg::Endpoint endpoint(const char* text) { return *wg::Endpoint::parse(text); }

TEST_CASE("metrics server answers GET /metrics with the rendered text on a kernel-chosen port") {
  std::atomic<int> renders{0};
  MetricsServer server(endpoint("127.0.0.1:0"), [&] {
    MetricsText text;
    text.family("anymesh_test_renders_total", "How often /metrics was rendered.", MetricType::counter);
    text.sample({}, ++renders);
    return text.text();
  });
  CHECK(server.bound_port() == 0);
  server.start();
  REQUIRE(server.bound_port() != 0);

  httplib::Client client("127.0.0.1", server.bound_port());
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(2, 0);
  for (int i = 1; i <= 2; ++i) {
    auto response = client.Get("/metrics");
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->get_header_value("Content-Type").starts_with("text/plain; version=0.0.4"));
    CHECK(response->body ==
          "# HELP anymesh_test_renders_total How often /metrics was rendered.\n"
          "# TYPE anymesh_test_renders_total counter\n"
          "anymesh_test_renders_total " + std::to_string(i) + "\n");
  }
  auto missing = client.Get("/");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  auto other = client.Get("/metrics/extra");
  REQUIRE(other);
  CHECK(other->status == 404);
  CHECK(renders == 2);

  const int port = server.bound_port();
  server.stop();
  CHECK(server.bound_port() == 0);
  // Nothing listens on the old port any more.
  httplib::Client gone("127.0.0.1", port);
  gone.set_connection_timeout(1, 0);
  CHECK_FALSE(gone.Get("/metrics"));
}

TEST_CASE("metrics server answers 500 with the reason when rendering throws") {
  MetricsServer server(endpoint("127.0.0.1:0"), []() -> std::string { throw std::logic_error("counter table gone"); });
  server.start();
  httplib::Client client("127.0.0.1", server.bound_port());
  auto response = client.Get("/metrics");
  REQUIRE(response);
  CHECK(response->status == 500);
  CHECK(response->body.find("counter table gone") != std::string::npos);
}

TEST_CASE("metrics server serves IPv6 loopback") {
  MetricsServer server(endpoint("[::1]:0"), [] { return std::string("x 1\n"); });
  try {
    server.start();
  } catch (const std::runtime_error& e) {
    FAIL("no IPv6 loopback here: " << e.what());
  }
  httplib::Client client("::1", server.bound_port());
  auto response = client.Get("/metrics");
  REQUIRE(response);
  CHECK(response->body == "x 1\n");
}

TEST_CASE("metrics server refuses a non-loopback address unless allowed to be public") {
  MetricsServer wildcard(endpoint("0.0.0.0:0"), [] { return std::string(); });
  CHECK_THROWS_WITH(wildcard.start(), Catch::Contains("not a loopback address") && Catch::Contains("metrics-public"));
  MetricsServer lan(endpoint("192.0.2.1:9100"), [] { return std::string(); });
  CHECK_THROWS_WITH(lan.start(), Catch::Contains("192.0.2.1:9100"));
  MetricsServer v6(endpoint("[::]:0"), [] { return std::string(); });
  CHECK_THROWS_WITH(v6.start(), Catch::Contains("not a loopback address"));

  MetricsServer allowed(endpoint("0.0.0.0:0"), [] { return std::string("y 2\n"); }, /*allow_public=*/true);
  allowed.start();
  httplib::Client client("127.0.0.1", allowed.bound_port());
  auto response = client.Get("/metrics");
  REQUIRE(response);
  CHECK(response->body == "y 2\n");
}

TEST_CASE("metrics server refuses a port another socket holds") {
  MetricsServer first(endpoint("127.0.0.1:0"), [] { return std::string(); });
  first.start();
  wg::Endpoint taken = endpoint("127.0.0.1:0");
  taken.port = first.bound_port();
  MetricsServer second(taken, [] { return std::string(); });
  CHECK_THROWS_WITH(second.start(), Catch::Contains("cannot listen"));
}

TEST_CASE("loopback addresses are 127/8, ::1 and IPv4-mapped 127/8") {
  CHECK(MetricsServer::is_loopback(*IpAddress::parse("127.0.0.1")));
  CHECK(MetricsServer::is_loopback(*IpAddress::parse("127.1.2.3")));
  CHECK(MetricsServer::is_loopback(*IpAddress::parse("::1")));
  CHECK(MetricsServer::is_loopback(*IpAddress::parse("::ffff:127.0.0.1")));
  CHECK_FALSE(MetricsServer::is_loopback(*IpAddress::parse("0.0.0.0")));
  CHECK_FALSE(MetricsServer::is_loopback(*IpAddress::parse("128.0.0.1")));
  CHECK_FALSE(MetricsServer::is_loopback(*IpAddress::parse("::")));
  CHECK_FALSE(MetricsServer::is_loopback(*IpAddress::parse("::2")));
  CHECK_FALSE(MetricsServer::is_loopback(*IpAddress::parse("::ffff:10.0.0.1")));
}

}  // namespace
}  // namespace anymesh::agent
