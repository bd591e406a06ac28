// 一部負担金割合: the share of the bill the patient pays at the counter.
#pragma once

#include <madoguchi/domain/result.hpp>

#include <string>
#include <string_view>

namespace madoguchi {

class CoPayRatio {
 public:
  // "3割", "３割", "三割", "30%", "３０％", "030" (the gateway's 3-digit percent), "0.3".
  static Result<CoPayRatio> parse(std::string_view text);
  static Result<CoPayRatio> from_percent(int percent);  // 10, 20 or 30

  int percent() const { return percent_; }
  std::string gateway_code() const;  // "030"
  std::string japanese() const;      // "3割"

  friend bool operator==(const CoPayRatio&, const CoPayRatio&) = default;

 private:
  explicit CoPayRatio(int p) : percent_(p) {}
  int percent_;
};

}  // namespace madoguchi
