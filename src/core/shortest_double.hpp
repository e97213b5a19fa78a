// The shortest decimal text that reads back as exactly the same double, laid out as
// std::to_chars(double) lays it out (plain or exponent form, whichever is shorter; plain
// on a tie), byte for byte. The digits come from Dragonbox (fmt's dragonbox::to_decimal),
// which finds them in about half the time libstdc++'s to_chars takes: every record a
// stage writes carries several full-precision indicator values. Pure logic.
#pragma once

namespace tickflow::json {

// Writes finite `value` at `at` (room for 25 bytes) and returns the end of what it wrote.
char* write_shortest(char* at, double value);

}  // namespace tickflow::json
