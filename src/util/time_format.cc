#include "util/time_format.h"

#include <chrono>
#include <cstdio>

namespace mnemos {
namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month, day;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool digits(size_t n, int64_t& out) {
    if (s_.size() < n) return false;
    out = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = s_[i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    s_.remove_prefix(n);
    return true;
  }
  bool literal(char c) {
    if (s_.empty() || s_.front() != c) return false;
    s_.remove_prefix(1);
    return true;
  }
  bool done() const { return s_.empty(); }
  char peek() const { return s_.empty() ? '\0' : s_.front(); }

 private:
  std::string_view s_;
};

std::unexpected<Error> bad_time(std::string_view text) {
  return make_error(ErrorCode::kInvalidArgument,
                    "invalid time '" + std::string(text) +
                        "': expected RFC 3339, e.g. 2026-11-25T10:00:00Z or "
                        "2026-11-25T10:00:00.5+01:00");
}

}  // namespace

std::string format_rfc3339(Timestamp t) {
  int64_t secs = t.micros / 1'000'000;
  int64_t micros = t.micros % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  Civil c = civil_from_days(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                static_cast<long long>(c.year), c.month, c.day, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(micros));
  return buf;
}

Result<Timestamp> parse_rfc3339(std::string_view text) {
  Scanner s(text);
  int64_t year, month, day, hour = 0, minute = 0, second = 0;
  if (!s.digits(4, year) || !s.literal('-') || !s.digits(2, month) || !s.literal('-') ||
      !s.digits(2, day)) {
    return bad_time(text);
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return bad_time(text);
  int64_t micros = 0;
  int64_t offset_seconds = 0;
  if (!s.done()) {
    if (!(s.literal('T') || s.literal('t') || s.literal(' '))) return bad_time(text);
    if (!s.digits(2, hour) || !s.literal(':') || !s.digits(2, minute) || !s.literal(':') ||
        !s.digits(2, second)) {
      return bad_time(text);
    }
    if (hour > 23 || minute > 59 || second > 60) return bad_time(text);
    if (s.literal('.')) {
      int64_t digit;
      int count = 0;
      while (s.digits(1, digit)) {
        if (count < 6) micros = micros * 10 + digit;
        ++count;
      }
      if (count == 0 || count > 9) return bad_time(text);
      for (int i = count; i < 6; ++i) micros *= 10;
    }
    if (s.literal('Z') || s.literal('z')) {
      // UTC
    } else if (s.peek() == '+' || s.peek() == '-') {
      int sign = s.peek() == '-' ? -1 : 1;
      s.literal(s.peek());
      int64_t oh, om;
      if (!s.digits(2, oh)) return bad_time(text);
      s.literal(':');
      if (!s.digits(2, om) || oh > 23 || om > 59) return bad_time(text);
      offset_seconds = sign * (oh * 3600 + om * 60);
    } else {
      return bad_time(text);
    }
  }
  if (!s.done()) return bad_time(text);
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return Timestamp{secs * 1'000'000 + micros};
}

Timestamp now_timestamp() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

}  // namespace mnemos
