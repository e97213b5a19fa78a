// The kinds of input record (docs/schema.md) and their wire names.
#pragma once

#include <optional>
#include <string_view>

namespace tickflow {

enum class DataType { stock, order_book, news_sentiment, market_data, economic_indicator };

inline constexpr std::string_view data_type_names =
    "stock, order_book, news_sentiment, market_data, economic_indicator";

constexpr std::string_view to_string(DataType t) noexcept {
  switch (t) {
    case DataType::stock: return "stock";
    case DataType::order_book: return "order_book";
    case DataType::news_sentiment: return "news_sentiment";
    case DataType::market_data: return "market_data";
    case DataType::economic_indicator: return "economic_indicator";
  }
  return "stock";
}

constexpr std::optional<DataType> parse_data_type(std::string_view name) noexcept {
  for (DataType t : {DataType::stock, DataType::order_book, DataType::news_sentiment,
                     DataType::market_data, DataType::economic_indicator}) {
    if (to_string(t) == name) return t;
  }
  return std::nullopt;
}

}  // namespace tickflow
