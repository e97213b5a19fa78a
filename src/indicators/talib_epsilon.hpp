// TA-Lib's test for "zero" (TA_IS_ZERO / TA_IS_ZERO_OR_NEG in ta_utility.h of TA-Lib 0.6):
// RSI reports 0 and Bollinger a zero width when the quantity is below this. TA-Lib 0.4
// used 1e-8; the reference data in tests/data/indicators comes from 0.6.
#pragma once

namespace tickflow {

inline constexpr double talib_epsilon = 1e-14;

}  // namespace tickflow
