#include "license/xml_path.h"

#include <vector>

#include "license/text.h"

namespace wee::license {
namespace {

constexpr size_t kMaxDepth = 128;
constexpr size_t kMaxListed = 12;

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsNameChar(char c) {
  return !IsXmlSpace(c) && c != '/' && c != '>' && c != '<' && c != '=' && c != '"' &&
         c != '\'' && c != '&';
}

std::string LocalName(const std::string& qname) {
  size_t colon = qname.find(':');
  return colon == std::string::npos ? qname : qname.substr(colon + 1);
}

bool NameMatches(const std::string& segment, const std::string& qname) {
  if (segment.find(':') != std::string::npos) return segment == qname;
  return segment == LocalName(qname);
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += char(cp);
  } else if (cp < 0x800) {
    *out += char(0xc0 | cp >> 6);
    *out += char(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *out += char(0xe0 | cp >> 12);
    *out += char(0x80 | ((cp >> 6) & 0x3f));
    *out += char(0x80 | (cp & 0x3f));
  } else {
    *out += char(0xf0 | cp >> 18);
    *out += char(0x80 | ((cp >> 12) & 0x3f));
    *out += char(0x80 | ((cp >> 6) & 0x3f));
    *out += char(0x80 | (cp & 0x3f));
  }
}

class Reader {
 public:
  Reader(const std::string& xml, const std::string& path, const std::string& what)
      : s_(xml), what_(what) {
    if (!path.empty() && path[0] == '/') {
      size_t pos = 1;
      while (pos <= path.size()) {
        size_t next = path.find('/', pos);
        if (next == std::string::npos) next = path.size();
        segments_.push_back(path.substr(pos, next - pos));
        pos = next + 1;
      }
    } else {
      anywhere_ = path;
    }
  }

  Result<std::string> Run() {
    for (const std::string& seg : segments_) {
      if (seg.empty() || seg.find_first_of("[]@*()") != std::string::npos) {
        return InvalidArgument(what_ + ": XML path '" + Path() +
                               "' is not a plain element path (/a/b or a name)");
      }
    }
    size_t pos = 0;
    while (pos < s_.size()) {
      size_t lt = s_.find('<', pos);
      size_t text_end = lt == std::string::npos ? s_.size() : lt;
      WEE_RETURN_IF_ERROR(Text(pos, text_end));
      if (lt == std::string::npos) break;
      auto next = Markup(lt);
      if (!next.ok()) return next.status();
      if (done_) return Trim(captured_);
      pos = *next;
    }
    if (!stack_.empty()) return Bad(s_.size(), "<" + stack_.back() + "> is not closed");
    if (!seen_root_) return Bad(0, "no element");
    std::string listed;
    for (size_t i = 0; i < seen_.size() && i < kMaxListed; ++i) {
      listed += (i ? ", " : "") + seen_[i];
    }
    if (seen_.size() > kMaxListed) listed += ", ...";
    return Status(Code::kNotFound, what_ + ": XML path '" + Path() +
                                       "' found nothing: looked in elements " + listed);
  }

 private:
  Status Bad(size_t at, const std::string& why) {
    return Malformed(what_ + ": not valid XML at byte " + std::to_string(at) + " (" + why + ")");
  }

  std::string Path() const {
    if (segments_.empty()) return anywhere_;
    std::string p;
    for (const std::string& s : segments_) p += "/" + s;
    return p;
  }

  static std::string Trim(const std::string& t) {
    size_t b = 0, e = t.size();
    while (b < e && IsXmlSpace(t[b])) ++b;
    while (e > b && IsXmlSpace(t[e - 1])) --e;
    return t.substr(b, e - b);
  }

  bool Capturing() const { return capture_depth_ != 0 && stack_.size() == capture_depth_; }

  // Character data between markup: only whitespace outside the root element.
  Status Text(size_t begin, size_t end) {
    std::string decoded;
    for (size_t i = begin; i < end; ++i) {
      char c = s_[i];
      if (c == '&') {
        size_t semi = s_.find(';', i);
        if (semi == std::string::npos || semi >= end || semi - i > 10) {
          return Bad(i, "'&' does not start an entity");
        }
        std::string name = s_.substr(i + 1, semi - i - 1);
        if (name == "lt") decoded += '<';
        else if (name == "gt") decoded += '>';
        else if (name == "amp") decoded += '&';
        else if (name == "quot") decoded += '"';
        else if (name == "apos") decoded += '\'';
        else if (name.size() > 1 && name[0] == '#') {
          bool hex = name[1] == 'x';
          uint32_t cp = 0;
          size_t k = hex ? 2 : 1;
          if (k >= name.size()) return Bad(i, "empty character reference");
          for (; k < name.size(); ++k) {
            char d = name[k];
            int v = IsDigit(d) ? d - '0'
                    : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                    : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10 : -1;
            if (v < 0) return Bad(i, "bad character reference");
            cp = cp * (hex ? 16 : 10) + uint32_t(v);
            if (cp > 0x10ffff) return Bad(i, "character reference out of range");
          }
          if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) return Bad(i, "bad character reference");
          AppendUtf8(cp, &decoded);
        } else {
          return Bad(i, "unknown entity &" + name + ";");
        }
        i = semi;
        continue;
      }
      if (stack_.empty() && !IsXmlSpace(c)) return Bad(i, "text outside the root element");
      decoded += c;
    }
    if (Capturing()) captured_ += decoded;
    return Status::Ok();
  }

  // Markup at s_[lt] == '<'; returns the position after it.
  Result<size_t> Markup(size_t lt) {
    auto skip_to = [&](const char* end, const char* what) -> Result<size_t> {
      size_t e = s_.find(end, lt);
      if (e == std::string::npos) return Bad(lt, std::string(what) + " is not closed");
      return e + std::string(end).size();
    };
    if (s_.compare(lt, 2, "<?") == 0) return skip_to("?>", "processing instruction");
    if (s_.compare(lt, 4, "<!--") == 0) return skip_to("-->", "comment");
    if (s_.compare(lt, 9, "<![CDATA[") == 0) {
      size_t e = s_.find("]]>", lt);
      if (e == std::string::npos) return Bad(lt, "CDATA section is not closed");
      if (stack_.empty()) return Bad(lt, "CDATA outside the root element");
      if (Capturing()) captured_ += s_.substr(lt + 9, e - lt - 9);
      return e + 3;
    }
    if (s_.compare(lt, 2, "<!") == 0) return Bad(lt, "DOCTYPE and declarations are not supported");
    if (s_.compare(lt, 2, "</") == 0) {
      size_t p = lt + 2, b = p;
      while (p < s_.size() && IsNameChar(s_[p])) ++p;
      std::string name = s_.substr(b, p - b);
      while (p < s_.size() && IsXmlSpace(s_[p])) ++p;
      if (p >= s_.size() || s_[p] != '>') return Bad(lt, "bad end tag");
      if (stack_.empty() || stack_.back() != name) {
        return Bad(lt, "end tag </" + name + "> does not match " +
                           (stack_.empty() ? std::string("any open element")
                                           : "<" + stack_.back() + ">"));
      }
      if (Capturing()) done_ = true;
      stack_.pop_back();
      return p + 1;
    }
    // Start tag: name, attributes (quoted values may hold '>'), then '>' or "/>".
    size_t p = lt + 1, b = p;
    while (p < s_.size() && IsNameChar(s_[p])) ++p;
    std::string name = s_.substr(b, p - b);
    if (name.empty()) return Bad(lt, "'<' does not start a tag");
    bool self_closing = false;
    while (true) {
      while (p < s_.size() && IsXmlSpace(s_[p])) ++p;
      if (p >= s_.size()) return Bad(lt, "tag <" + name + "> is not closed");
      if (s_[p] == '>') { ++p; break; }
      if (s_[p] == '/' && p + 1 < s_.size() && s_[p + 1] == '>') {
        self_closing = true;
        p += 2;
        break;
      }
      size_t a = p;
      while (p < s_.size() && IsNameChar(s_[p])) ++p;
      if (p == a) return Bad(p, "bad attribute in <" + name + ">");
      while (p < s_.size() && IsXmlSpace(s_[p])) ++p;
      if (p >= s_.size() || s_[p] != '=') return Bad(p, "attribute without '='");
      ++p;
      while (p < s_.size() && IsXmlSpace(s_[p])) ++p;
      if (p >= s_.size() || (s_[p] != '"' && s_[p] != '\'')) return Bad(p, "unquoted attribute");
      size_t close = s_.find(s_[p], p + 1);
      if (close == std::string::npos) return Bad(p, "attribute value is not closed");
      p = close + 1;
    }
    if (stack_.empty() && seen_root_) return Bad(lt, "a second root element");
    seen_root_ = true;
    if (stack_.size() >= kMaxDepth) {
      return LimitExceeded(what_ + ": XML nested deeper than " + std::to_string(kMaxDepth) +
                           " levels");
    }
    bool listed = false;
    for (const std::string& s : seen_) listed = listed || s == name;
    if (!listed) seen_.push_back(name);
    stack_.push_back(name);
    if (capture_depth_ == 0 && Matches()) {
      if (self_closing) {
        done_ = true;
        return p;
      }
      capture_depth_ = stack_.size();
    }
    if (self_closing) stack_.pop_back();
    return p;
  }

  bool Matches() const {
    if (segments_.empty()) return NameMatches(anywhere_, stack_.back());
    if (segments_.size() != stack_.size()) return false;
    for (size_t i = 0; i < stack_.size(); ++i)
      if (!NameMatches(segments_[i], stack_[i])) return false;
    return true;
  }

  const std::string& s_;
  const std::string& what_;
  std::vector<std::string> segments_;
  std::string anywhere_;
  std::vector<std::string> stack_;
  std::vector<std::string> seen_;
  bool seen_root_ = false;
  size_t capture_depth_ = 0;
  bool done_ = false;
  std::string captured_;
};

}  // namespace

Result<std::string> FindXmlText(const std::string& xml, const std::string& path,
                                const std::string& what) {
  if (path.empty() || path == "/") return InvalidArgument(what + ": empty XML path");
  return Reader(xml, path, what).Run();
}

}  // namespace wee::license
