// Specification of IpAddress and IpPrefix: text parsing, printing, containment, bad input.
#include <catch2/catch.hpp>

#include "dataplane/packet/ip_address.h"

using namespace anymesh;

TEST_CASE("ip address parses and prints both families") {
  auto v4 = IpAddress::parse("192.0.2.1");
  REQUIRE(v4);
  CHECK(v4->is_v4());
  CHECK(v4->size() == 4);
  CHECK(*v4 == IpAddress::v4(0xc0000201));
  CHECK(v4->to_string() == "192.0.2.1");
  auto v6 = IpAddress::parse("fd00:0:0::1");
  REQUIRE(v6);
  CHECK_FALSE(v6->is_v4());
  CHECK(v6->size() == 16);
  CHECK(v6->bytes[0] == 0xfd);
  CHECK(v6->bytes[15] == 1);
  CHECK(v6->to_string() == "fd00::1");
}

TEST_CASE("ip address refuses bad text") {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "192.0.2.1 ", " 192.0.2.1",
                          "fd00:::1", "fd00::1::2", "g::1", "192.0.2.1/24", "localhost",
                          "0000:0000:0000:0000:0000:0000:0000:0000:0000"}) {
    INFO(bad);
    CHECK_FALSE(IpAddress::parse(bad));
  }
}

TEST_CASE("ip addresses of different families never compare equal") {
  auto v4 = *IpAddress::parse("0.0.0.0");
  auto v6 = *IpAddress::parse("::");
  CHECK(v4 != v6);
  CHECK(v4.bytes == v6.bytes);
}

TEST_CASE("ip prefix masks host bits and tests containment") {
  auto p = IpPrefix::parse("10.200.7.9/16");
  REQUIRE(p);
  CHECK(p->length == 16);
  CHECK(p->to_string() == "10.200.0.0/16");
  CHECK(p->contains(*IpAddress::parse("10.200.255.1")));
  CHECK_FALSE(p->contains(*IpAddress::parse("10.201.0.1")));
  CHECK_FALSE(p->contains(*IpAddress::parse("fd00::1")));

  auto odd = IpPrefix::parse("198.51.100.0/25");
  REQUIRE(odd);
  CHECK(odd->contains(*IpAddress::parse("198.51.100.127")));
  CHECK_FALSE(odd->contains(*IpAddress::parse("198.51.100.128")));

  auto v6 = IpPrefix::parse("fd00::/8");
  REQUIRE(v6);
  CHECK(v6->contains(*IpAddress::parse("fdff::1")));
  CHECK_FALSE(v6->contains(*IpAddress::parse("fe00::1")));
  CHECK_FALSE(v6->contains(*IpAddress::parse("10.0.0.1")));
}

TEST_CASE("ip prefix edge lengths: /0 holds everything of its family, a bare address is a host") {
  auto any = IpPrefix::parse("0.0.0.0/0");
  REQUIRE(any);
  CHECK(any->contains(*IpAddress::parse("203.0.113.200")));
  CHECK_FALSE(any->contains(*IpAddress::parse("::1")));
  auto host = IpPrefix::parse("fd00::5");
  REQUIRE(host);
  CHECK(host->length == 128);
  CHECK(host->contains(*IpAddress::parse("fd00::5")));
  CHECK_FALSE(host->contains(*IpAddress::parse("fd00::4")));
}

TEST_CASE("ip prefix refuses bad text") {
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/1a",
                          "10.0.0.0/0008", "/8", "10.0.0/8", "10.0.0.0/8/8", "10.0.0.0/ 8"}) {
    INFO(bad);
    CHECK_FALSE(IpPrefix::parse(bad));
  }
}
