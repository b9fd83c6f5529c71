// migrate/placeholders.cc — see placeholders.h.
#include "migrate/placeholders.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text.h"

namespace noshell {
namespace {

absl::Status ExpandSegments(std::vector<Segment>* segments, const std::string& path, const Env& env) {
  for (Segment& seg : *segments) {
    std::string out;
    const std::string& t = seg.text;
    size_t pos = 0;
    while (pos < t.size()) {
      size_t open = t.find("${", pos);
      if (open == std::string::npos) {
        out.append(t, pos, std::string::npos);
        break;
      }
      out.append(t, pos, open - pos);
      size_t end = t.find('}', open + 2);
      std::string name = end == std::string::npos ? "" : t.substr(open + 2, end - open - 2);
      bool valid = !name.empty() && (absl::ascii_isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
      for (char c : name) valid &= absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
      if (!valid) {  // not a placeholder (e.g. "${" inside a string): keep it
        out.append("${");
        pos = open + 2;
        continue;
      }
      const int line = seg.first_line + PositionOfByte(t, open).line - 1;
      auto value = GetSecret(env, name);
      if (!value.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": line ", line, ": ", value.status().message()));
      if (!value->has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": line ", line, ": placeholder ${", name, "} but ", name, " is not set"));
      }
      out += **value;
      pos = end + 1;
    }
    seg.text = std::move(out);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ExpandPlaceholders(MigrationSet* set, const Env& env) {
  for (Migration& m : set->migrations) {
    NOSHELL_RETURN_IF_ERROR(ExpandSegments(&m.up, m.path, env));
    if (m.down.has_value()) NOSHELL_RETURN_IF_ERROR(ExpandSegments(&*m.down, m.path, env));
    // m.checksum stays that of the file.
  }
  return absl::OkStatus();
}

}  // namespace noshell
