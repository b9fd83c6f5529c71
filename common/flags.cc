// common/flags.cc — option parsing from argv and the environment.
#include "common/flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/version.h"

namespace noshell {

const FlagSpec* Flags::Find(absl::string_view name) const {
  for (const FlagSpec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

absl::Status Flags::Parse(int argc, const char* const* argv, const Env& env) {
  std::map<std::string, std::vector<std::string>> from_cli;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") {
      for (int j = i + 1; j < argc; ++j) after_dashes_.emplace_back(argv[j]);
      break;
    }
    if (arg == "-h" || arg == "--help") {
      help_ = true;
      continue;
    }
    if (arg == "--version") {
      version_ = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--") || arg.size() == 2) {
      if (absl::StartsWith(arg, "-") && arg.size() > 1) {
        return absl::InvalidArgumentError(absl::StrCat("unknown option ", arg, " (options are --long; see --help)"));
      }
      positional_.emplace_back(arg);
      continue;
    }
    absl::string_view body = arg.substr(2);
    std::optional<std::string> value;
    size_t eq = body.find('=');
    if (eq != absl::string_view::npos) {
      value = std::string(body.substr(eq + 1));
      body = body.substr(0, eq);
    }
    const FlagSpec* spec = Find(body);
    if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown option --", body, " (see --help)"));
    if (spec->value_name.empty()) {
      from_cli[spec->name].push_back(value.value_or("true"));
      continue;
    }
    if (!value.has_value()) {
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat("option --", body, " needs a value (", spec->value_name, ")"));
      value = argv[++i];
    }
    if (!spec->repeated && from_cli.count(spec->name) > 0) {
      return absl::InvalidArgumentError(absl::StrCat("option --", body, " given twice"));
    }
    from_cli[spec->name].push_back(*value);
  }
  for (const FlagSpec& s : specs_) {
    if (auto it = from_cli.find(s.name); it != from_cli.end()) {
      values_[s.name] = it->second;
      continue;
    }
    if (s.env.empty()) continue;
    std::optional<std::string> v = env.Get(s.env);
    if (!v.has_value() || v->empty()) continue;
    if (s.repeated) {
      for (absl::string_view part : absl::StrSplit(*v, absl::ByAnyChar(s.env_separators), absl::SkipWhitespace())) {
        values_[s.name].emplace_back(absl::StripAsciiWhitespace(part));
      }
    } else {
      values_[s.name].push_back(*v);
    }
  }
  return absl::OkStatus();
}

std::string Flags::Get(absl::string_view name, absl::string_view fallback) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end() || it->second.empty()) return std::string(fallback);
  return it->second.back();
}

std::vector<std::string> Flags::GetAll(absl::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end()) return {};
  return it->second;
}

absl::StatusOr<bool> Flags::GetBool(absl::string_view name) const {
  if (!Has(name)) return false;
  std::string v = absl::AsciiStrToLower(Get(name));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return absl::InvalidArgumentError(absl::StrCat("option --", name, "=", v, ": want true or false"));
}

absl::Status Flags::GetDuration(absl::string_view name, DurationMin min, absl::Duration* out) const {
  if (!Has(name)) return absl::OkStatus();
  absl::Duration d;
  const bool positive = min == DurationMin::kPositive;
  if (!absl::ParseDuration(Get(name), &d) || d < absl::ZeroDuration() || (positive && d == absl::ZeroDuration())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, "=", Get(name), ": want a ", positive ? "positive " : "", "duration such as 500ms or 2s"));
  }
  *out = d;
  return absl::OkStatus();
}

std::string Flags::HelpOrVersion(absl::string_view program, absl::string_view usage_head) const {
  if (help_) return absl::StrCat(usage_head, Usage());
  if (version_) return absl::StrCat(program, " (noshell) ", kVersion, "\n");
  return "";
}

std::string Flags::Usage() const {
  std::string out;
  for (const FlagSpec& s : specs_) {
    std::string left = absl::StrCat("  --", s.name, s.value_name.empty() ? "" : absl::StrCat("=", s.value_name));
    if (left.size() < 30) left.resize(30, ' ');
    else left += "\n" + std::string(30, ' ');
    absl::StrAppend(&out, left, s.help);
    if (!s.env.empty()) absl::StrAppend(&out, " [$", s.env, "]");
    out += "\n";
  }
  return out;
}

}  // namespace noshell
