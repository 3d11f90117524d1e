#include "auth/rfc3339.h"

#include <cstdio>

namespace wee::auth {
namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int64_t* m, int64_t* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp + (mp < 10 ? 3 : -9);
  *y = yoe + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int64_t m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at text[*pos].
bool Digits(const std::string& text, size_t* pos, size_t n, int64_t* out) {
  if (text.size() - *pos < n) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(const std::string& text, size_t* pos, char a, char b = 0) {
  if (*pos >= text.size() || (text[*pos] != a && (b == 0 || text[*pos] != b))) return false;
  ++*pos;
  return true;
}

}  // namespace

bool ParseRfc3339(const std::string& text, int64_t* seconds) {
  size_t p = 0;
  int64_t year, month, day, hour, minute, second;
  if (!Digits(text, &p, 4, &year) || !Expect(text, &p, '-') || !Digits(text, &p, 2, &month) ||
      !Expect(text, &p, '-') || !Digits(text, &p, 2, &day) || !Expect(text, &p, 'T', 't') ||
      !Digits(text, &p, 2, &hour) || !Expect(text, &p, ':') || !Digits(text, &p, 2, &minute) ||
      !Expect(text, &p, ':') || !Digits(text, &p, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {  // 60: a leap second (section 5.7)
    return false;
  }
  if (p < text.size() && text[p] == '.') {
    ++p;
    size_t start = p;
    while (p < text.size() && text[p] >= '0' && text[p] <= '9') ++p;
    if (p == start) return false;
  }
  int64_t offset = 0;
  if (Expect(text, &p, 'Z', 'z')) {
    offset = 0;
  } else if (p < text.size() && (text[p] == '+' || text[p] == '-')) {
    int sign = text[p] == '-' ? -1 : 1;
    ++p;
    int64_t oh, om;
    if (!Digits(text, &p, 2, &oh) || !Expect(text, &p, ':') || !Digits(text, &p, 2, &om) ||
        oh > 23 || om > 59) {
      return false;
    }
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  if (p != text.size()) return false;
  // Local time minus its offset is UTC.
  *seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return true;
}

std::string FormatRfc3339(int64_t seconds) {
  const int64_t kMin = DaysFromCivil(0, 1, 1) * 86400;
  const int64_t kMax = DaysFromCivil(9999, 12, 31) * 86400 + 86399;
  if (seconds < kMin) seconds = kMin;
  if (seconds > kMax) seconds = kMax;
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t rest = seconds - days * 86400;
  int64_t y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char out[32];
  std::snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02dZ", int(y), int(m), int(d),
                int(rest / 3600), int(rest / 60 % 60), int(rest % 60));
  return out;
}

}  // namespace wee::auth
