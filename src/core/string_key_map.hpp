// Hash map keyed by std::string that is looked up with a std::string_view, without building
// a std::string per lookup (per-symbol state on every hot path).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tickflow {

struct StringKeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename Value>
using StringKeyMap = std::unordered_map<std::string, Value, StringKeyHash, std::equal_to<>>;

// The entry for `key`, default-constructed on first use.
template <typename Value>
Value& entry_for(StringKeyMap<Value>& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), Value{}).first;
  return it->second;
}

// The last entries found in a StringKeyMap, by key, in 64 slots picked from the key's
// length and a few of its bytes: a stream's keys (symbols) recur, and a hit costs one compare
// instead of hashing the key, dividing for its bucket and comparing (replay: ~9 ns of a
// line's ~340). An unordered_map's entries stay put, so what is cached stays valid until
// entries are erased: clear() then.
template <typename Value>
class StringKeyCache {
 public:
  // The map's entry for `key`, or nullptr when it has none.
  Value* find(StringKeyMap<Value>& map, std::string_view key) {
    Slot& slot = slots_[slot_of(key)];
    if (slot.value != nullptr && slot.key == key) return slot.value;
    auto it = map.find(key);
    if (it == map.end()) return nullptr;
    slot = {it->first, &it->second};
    return slot.value;
  }
  // The map's entry for `key`, default-constructed on first use.
  Value& entry_for(StringKeyMap<Value>& map, std::string_view key) {
    if (Value* v = find(map, key)) return *v;
    return tickflow::entry_for(map, key);
  }
  void clear() noexcept { slots_.fill({}); }

 private:
  struct Slot {
    std::string_view key;  // the map's own key
    Value* value = nullptr;
  };
  // The first two bytes, the last and the length, mixed by one multiplication (Fibonacci
  // hashing): symbols differ in those (the generator's five land in five slots).
  static std::size_t slot_of(std::string_view key) noexcept {
    if (key.empty()) return 0;
    auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(key[i])); };
    const std::uint32_t x = byte(0) | byte(key.size() > 1 ? 1 : 0) << 8 | byte(key.size() - 1) << 16 |
                            static_cast<std::uint32_t>(key.size()) << 24;
    return (x * 0x9E3779B1u) >> 26;
  }
  std::array<Slot, 64> slots_{};
};

}  // namespace tickflow
