// ConnectionLimits: places in all, per client address and for WebSockets, given back when
// a slot goes.
#include "src/net/connection_limits.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tickflow {
namespace {

TEST(ConnectionLimits, OneAddressCannotTakeEveryPlace) {
  ConnectionLimits limits({10, 4, 10, 10});
  std::vector<ConnectionLimits::Slot> slots;
  ConnectionLimits::Refusal why{};
  for (int i = 0; i < 4; ++i) slots.push_back(limits.connect("10.0.0.2"));
  EXPECT_FALSE(limits.connect("10.0.0.2", &why));
  EXPECT_EQ(why, ConnectionLimits::Refusal::per_address);
  for (int i = 0; i < 4; ++i) slots.push_back(limits.connect("10.0.0.3"));
  slots.push_back(limits.connect("10.0.0.4"));
  slots.push_back(limits.connect("10.0.0.5"));
  EXPECT_EQ(limits.open(), 10u);
  EXPECT_FALSE(limits.connect("10.0.0.6", &why));
  EXPECT_EQ(why, ConnectionLimits::Refusal::total);
  slots.pop_back();
  EXPECT_TRUE(limits.connect("10.0.0.6")) << "a place given back is taken again";
  slots.clear();
  EXPECT_EQ(limits.open(), 0u);
}

TEST(ConnectionLimits, OneAddressGetsAtMostHalfThePlaces) {
  ConnectionLimits limits({8, 100, 4, 100});
  EXPECT_EQ(limits.limits().per_address, 4u);
  EXPECT_EQ(limits.limits().websockets_per_address, 2u);
  std::vector<ConnectionLimits::Slot> slots;
  ConnectionLimits::Refusal why{};
  for (int i = 0; i < 4; ++i) slots.push_back(limits.connect("10.0.0.2"));
  EXPECT_FALSE(limits.connect("10.0.0.2", &why));
  EXPECT_EQ(why, ConnectionLimits::Refusal::per_address);
  EXPECT_TRUE(limits.connect("10.0.0.3")) << "the other half stays for others";
}

TEST(ConnectionLimits, WebSocketsHaveTheirOwnLimits) {
  ConnectionLimits limits({100, 100, 4, 2});
  auto a1 = limits.connect("a"), a2 = limits.connect("a"), a3 = limits.connect("a"), b1 = limits.connect("b"),
       b2 = limits.connect("b"), c1 = limits.connect("c");
  ConnectionLimits::Refusal why{};
  EXPECT_TRUE(limits.upgrade(a1));
  EXPECT_TRUE(limits.upgrade(a2));
  EXPECT_FALSE(limits.upgrade(a3, &why));
  EXPECT_EQ(why, ConnectionLimits::Refusal::websockets_per_address);
  EXPECT_FALSE(a3.websocket());
  EXPECT_TRUE(limits.upgrade(b1));
  EXPECT_TRUE(limits.upgrade(b2));
  EXPECT_FALSE(limits.upgrade(c1, &why));
  EXPECT_EQ(why, ConnectionLimits::Refusal::websockets);
  EXPECT_EQ(limits.open_websockets(), 4u);
  ConnectionLimits::Slot moved = std::move(a1);
  EXPECT_TRUE(moved.websocket());
  { auto gone = std::move(moved); }
  EXPECT_EQ(limits.open_websockets(), 3u);
  EXPECT_TRUE(limits.upgrade(c1));
}

}  // namespace
}  // namespace tickflow
