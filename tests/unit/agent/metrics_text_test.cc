// The Prometheus text writer: exact output lines, escaping, value spelling and refused names.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "dataplane/agent/metrics_text.h"

namespace anymesh::agent {
namespace {

TEST_CASE("metrics text writes HELP and TYPE once per family, then its samples") {
  MetricsText text;
  text.family("anymesh_drops_total", "Packets dropped, by reason.", MetricType::counter);
  text.sample({{"reason", "no_route"}, {"lcore", "1"}}, 42);
  text.sample({{"reason", "bad_mac"}, {"lcore", "1"}}, std::uint64_t{7});
  text.family("anymesh_lanes_up", "Lanes whose probes answer.", MetricType::gauge);
  text.sample({}, 3);
  CHECK(text.text() ==
        "# HELP anymesh_drops_total Packets dropped, by reason.\n"
        "# TYPE anymesh_drops_total counter\n"
        "anymesh_drops_total{reason=\"no_route\",lcore=\"1\"} 42\n"
        "anymesh_drops_total{reason=\"bad_mac\",lcore=\"1\"} 7\n"
        "# HELP anymesh_lanes_up Lanes whose probes answer.\n"
        "# TYPE anymesh_lanes_up gauge\n"
        "anymesh_lanes_up 3\n");
}

TEST_CASE("metrics text escapes backslash, quote and newline in label values") {
  MetricsText text;
  text.family("m", "h", MetricType::gauge);
  text.sample({{"path", "C:\\dir \"x\"\nnext"}}, 1);
  CHECK(text.text().ends_with("m{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n"));
}

TEST_CASE("metrics text escapes backslash and newline in HELP but leaves quotes") {
  MetricsText text;
  text.family("m", "a \"quoted\" back\\slash\nsecond line", MetricType::counter);
  CHECK(text.text().starts_with("# HELP m a \"quoted\" back\\\\slash\\nsecond line\n# TYPE m counter\n"));
}

TEST_CASE("metrics text spells values as Prometheus parses them") {
  MetricsText text;
  text.family("v", "values", MetricType::gauge);
  text.sample({{"k", "half"}}, 0.5);
  text.sample({{"k", "nan"}}, std::nan(""));
  text.sample({{"k", "inf"}}, std::numeric_limits<double>::infinity());
  text.sample({{"k", "-inf"}}, -std::numeric_limits<double>::infinity());
  text.sample({{"k", "negative"}}, -12);
  text.sample({{"k", "big"}}, std::numeric_limits<std::uint64_t>::max());
  text.sample({{"k", "tiny"}}, 1.5e-9);
  const std::string& out = text.text();
  CHECK(out.find("v{k=\"half\"} 0.5\n") != std::string::npos);
  CHECK(out.find("v{k=\"nan\"} NaN\n") != std::string::npos);
  CHECK(out.find("v{k=\"inf\"} +Inf\n") != std::string::npos);
  CHECK(out.find("v{k=\"-inf\"} -Inf\n") != std::string::npos);
  CHECK(out.find("v{k=\"negative\"} -12\n") != std::string::npos);
  CHECK(out.find("v{k=\"big\"} 18446744073709551615\n") != std::string::npos);
  CHECK(out.find("v{k=\"tiny\"} 1.5e-09\n") != std::string::npos);
}

TEST_CASE("metric names follow the Prometheus grammar") {
  CHECK(MetricsText::valid_metric_name("anymesh_rx_packets_total"));
  CHECK(MetricsText::valid_metric_name("_x"));
  CHECK(MetricsText::valid_metric_name("job:rate5m"));
  CHECK(MetricsText::valid_metric_name("a1"));
  CHECK_FALSE(MetricsText::valid_metric_name(""));
  CHECK_FALSE(MetricsText::valid_metric_name("1a"));
  CHECK_FALSE(MetricsText::valid_metric_name("a-b"));
  CHECK_FALSE(MetricsText::valid_metric_name("a b"));
  CHECK_FALSE(MetricsText::valid_metric_name("caf\xc3\xa9"));
  CHECK(MetricsText::valid_label_name("reason"));
  CHECK(MetricsText::valid_label_name("_lcore2"));
  CHECK_FALSE(MetricsText::valid_label_name("__name__"));
  CHECK_FALSE(MetricsText::valid_label_name("a:b"));
  CHECK_FALSE(MetricsText::valid_label_name("2a"));
  CHECK_FALSE(MetricsText::valid_label_name(""));
}

TEST_CASE("metrics text refuses bad names, repeated families and orphan samples") {
  MetricsText text;
  CHECK_THROWS_AS(text.sample({}, 1), std::logic_error);
  CHECK_THROWS_AS(text.family("bad-name", "h", MetricType::gauge), std::invalid_argument);
  text.family("good", "h", MetricType::gauge);
  CHECK_THROWS_AS(text.family("good", "again", MetricType::counter), std::logic_error);
  CHECK_THROWS_AS(text.sample({{"bad-label", "x"}}, 1), std::invalid_argument);
  CHECK_THROWS_AS(text.sample({{"a", "x"}, {"a", "y"}}, 1), std::invalid_argument);
  // Nothing half-written is left behind by a refused call.
  CHECK(text.text() == "# HELP good h\n# TYPE good gauge\n");
}

}  // namespace
}  // namespace anymesh::agent
