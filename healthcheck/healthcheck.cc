// healthcheck/healthcheck.cc — option parsing, concurrent probing and output.
#include "healthcheck/healthcheck.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/check_flags.h"
#include "common/exit_codes.h"
#include "common/fan_out.h"
#include "common/flags.h"
#include "common/json.h"
#include "common/process_init.h"
#include "common/redact.h"
#include "common/http_server.h"
#include "common/readiness.h"
#include "common/status_macros.h"
#include "common/target.h"
#include "common/text.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

// How long past the deadline we wait for a check to report its own, more precise, timeout.
constexpr absl::Duration kReportGrace = absl::Milliseconds(15);

std::vector<FlagSpec> Specs() {
  std::vector<FlagSpec> specs = {
      {"timeout", "HEALTHCHECK_TIMEOUT", "DURATION",
       "overall deadline for all targets: DNS, connect, TLS, login and query (default 800ms)"},
      {"format", "HEALTHCHECK_FORMAT", "text|json", "output format (default text)"},
      {"log-level", "HEALTHCHECK_LOG_LEVEL", "LEVEL", "stderr log level: debug, info, warn, error, off (default warn)"},
      {"targets", "HEALTHCHECK_TARGETS", "TARGET",
       "targets, when none are given as arguments (environment: whitespace-separated)", true},
      {"serve", "HEALTHCHECK_SERVE", "ADDR",
       "serve /readyz, /livez and /metrics on ADDR (:8086, 127.0.0.1:8086) until TERM, instead of checking once"},
      {"ready-interval", "HEALTHCHECK_READY_INTERVAL", "DURATION",
       "with --serve: how often a ready target is probed (default 10s; a failing one every second)"},
  };
  for (FlagSpec& spec : CheckFlagSpecs("HEALTHCHECK")) specs.push_back(std::move(spec));
  return specs;
}

constexpr char kUsageHead[] =
    "usage: healthcheck [options] TARGET...\n"
    "\n"
    "Checks every TARGET once, concurrently, under one deadline. Exit 0 if all are healthy, 1 otherwise.\n"
    "\n"
    "Targets:\n"
    "  postgres://user@host:5432/db   also postgresql://, postgresql+asyncpg://, libpq key=value, PG* variables\n"
    "  redis://[user:pass@]host:6379/0   rediss:// for TLS; password also from REDISCLI_AUTH(_FILE)\n"
    "  tcp://host:port   unix:///path/to.sock   http://host/path   https://host/path\n"
    "  file:///path/to/heartbeat[?max_age=30s]\n"
    "  env:NAME   the target is the value of $NAME (or the file in $NAME_FILE): no secret on the command line\n"
    "\n"
    "Options (each also read from the environment variable shown):\n";

std::string FormatElapsed(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
}

std::string Truncate(const std::string& s, size_t max) { return TruncateUtf8(s, max); }

// Whether JSON output was asked for, read without the full parser (which may be what failed).
bool WantsJson(int argc, const char* const* argv, const Env& env) {
  std::optional<std::string> from_env = env.Get("HEALTHCHECK_FORMAT");
  bool json = from_env.has_value() && *from_env == "json";
  for (int i = 1; i < argc; ++i) {
    absl::string_view a = argv[i];
    if (a == "--") break;
    if (a == "--format=json" || (a == "--format" && i + 1 < argc && absl::string_view(argv[i + 1]) == "json")) json = true;
    if (a == "--format=text" || (a == "--format" && i + 1 < argc && absl::string_view(argv[i + 1]) == "text")) json = false;
  }
  return json;
}

// Bad usage or a bad target: exit 1 with the reasons on stderr and, for --format=json, the same
// as a document on stdout, so a script that parses stdout always gets JSON.
int UsageError(const std::vector<std::string>& errors, bool json, absl::Time start) {
  std::string text;
  for (const std::string& e : errors) absl::StrAppend(&text, "healthcheck: ", ForTerminal(Redactor::Global().Scrub(e)), "\n");
  std::fputs(text.c_str(), stderr);
  if (json) {
    std::vector<std::string> quoted;
    for (const std::string& e : errors) quoted.push_back(JsonQuote(TruncateUtf8(Redactor::Global().Scrub(e), 1024)));
    std::string doc = absl::StrCat("{\"healthy\":false,\"elapsed_ms\":", absl::ToInt64Milliseconds(absl::Now() - start),
                                   ",\"targets\":[],\"errors\":[", absl::StrJoin(quoted, ","), "]}\n");
    std::fputs(doc.c_str(), stdout);
  }
  return kExitUnhealthy;
}

}  // namespace

absl::StatusOr<HealthcheckConfig> ParseHealthcheckArgs(int argc, const char* const* argv, const Env& env,
                                                       std::string* help_text) {
  Flags flags(Specs());
  NOSHELL_RETURN_IF_ERROR(flags.Parse(argc, argv, env));
  HealthcheckConfig c;
  *help_text = flags.HelpOrVersion("healthcheck", kUsageHead);
  if (!help_text->empty()) {
    if (flags.help()) absl::StrAppend(help_text, "\nSee README.md for every target option and exit code.\n");
    return c;
  }
  if (!flags.after_dashes().empty()) {
    return absl::InvalidArgumentError("unexpected arguments after --");
  }
  c.targets = flags.positional();
  if (c.targets.empty()) c.targets = flags.GetAll("targets");
  if (c.targets.empty()) {
    return absl::InvalidArgumentError("no targets: give at least one TARGET or set HEALTHCHECK_TARGETS (see --help)");
  }
  NOSHELL_RETURN_IF_ERROR(flags.GetDuration("timeout", Flags::DurationMin::kPositive, &c.timeout));
  NOSHELL_ASSIGN_OR_RETURN(c.format, ParseOutputFormat(flags.Get("format", "text")));
  NOSHELL_RETURN_IF_ERROR(ParseCheckFlags(flags, &c.check));
  c.check.application_name = "noshell-healthcheck";
  c.log_level = flags.Get("log-level", "warn");
  c.serve = flags.Get("serve");
  if (flags.Has("ready-interval")) {
    if (c.serve.empty()) return absl::InvalidArgumentError("--ready-interval needs --serve");
    NOSHELL_RETURN_IF_ERROR(flags.GetDuration("ready-interval", Flags::DurationMin::kPositive, &c.ready_interval));
  }
  return c;
}

namespace {

// --serve: the targets' readiness over HTTP until TERM or INT; exit 0 then, 1 when ADDR cannot be
// served.
int ServeReadiness(const HealthcheckConfig& config, std::vector<std::unique_ptr<Check>> checks) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread starts: they inherit it
  ReadinessOptions options;
  options.interval = config.ready_interval;
  options.timeout = config.timeout;
  ReadinessMonitor monitor(std::move(checks), options);
  auto server = HttpServer::Start(config.serve, [&monitor](const HttpRequest& r) {
    const bool json = r.query == "format=json";
    if (r.path == "/readyz") return monitor.Readyz(false, json);
    if (r.path == "/livez") return RenderLivez(true, "", json);
    if (r.path == "/metrics") {
      return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", RenderMetrics(monitor.Snapshot(), "")};
    }
    return HttpResponse{404, "text/plain; charset=utf-8", "not found: /readyz, /livez, /metrics\n"};
  });
  if (!server.ok()) {
    std::fprintf(stderr, "healthcheck: %s\n", std::string(server.status().message()).c_str());
    return kExitUnhealthy;
  }
  spdlog::info("serving /readyz, /livez and /metrics on {} (port {})", config.serve, (*server)->port());
  int sig = 0;
  while (sigwait(&stop, &sig) != 0) {
  }
  spdlog::info("signal {}: stopping", sig);
  return kExitHealthy;
}

}  // namespace

std::vector<TargetResult> RunChecks(std::vector<std::unique_ptr<Check>> checks, absl::Time deadline, bool* abandoned,
                                    Clock& clock) {
  std::vector<std::string> names;
  std::vector<FanOutTask> tasks;
  for (auto& check : checks) {
    names.push_back(check->Describe());
    std::shared_ptr<Check> c = std::move(check);
    tasks.push_back([c, deadline](const std::atomic<bool>&) { return c->Probe(deadline); });
  }
  const absl::Time start = clock.Now();
  // A check reports its own, more precise, timeout a moment after the deadline.
  FanOutResult r = FanOut(std::move(tasks), deadline + kReportGrace, clock);
  *abandoned = r.abandoned;
  std::vector<TargetResult> out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (r.statuses[i].has_value()) {
      const absl::Status& s = *r.statuses[i];
      out.push_back({names[i], s.ok() ? s : absl::Status(s.code(), Redactor::Global().Scrub(s.message())), r.elapsed[i]});
    } else {
      out.push_back({names[i], absl::DeadlineExceededError(absl::StrCat("timed out after ", FormatElapsed(deadline - start))),
                     r.elapsed[i]});
    }
  }
  return out;
}

std::string FormatResults(const std::vector<TargetResult>& results, OutputFormat format, absl::Duration total) {
  // Each target gets an equal share of Docker's 4 KiB; reasons are cut to fit.
  const size_t n = std::max<size_t>(results.size(), 1);
  const size_t budget = (kMaxOutputBytes - 200) / n;
  const size_t line_max = std::max<size_t>(budget, 60);
  bool healthy = true;
  for (const TargetResult& r : results) healthy &= r.status.ok();
  std::string out;
  if (format == OutputFormat::kJson) {
    absl::StrAppend(&out, "{\"healthy\":", healthy ? "true" : "false", ",\"elapsed_ms\":",
                    absl::ToInt64Milliseconds(total), ",\"targets\":[");
    size_t shown = 0;
    for (const TargetResult& r : results) {
      std::string reason = Truncate(std::string(r.status.message()), line_max / 2);
      std::string entry = absl::StrCat(shown > 0 ? "," : "", "{\"target\":", JsonQuote(Truncate(r.target, line_max / 3)),
                                       ",\"healthy\":", r.status.ok() ? "true" : "false", ",\"elapsed_ms\":",
                                       absl::ToInt64Milliseconds(r.elapsed));
      if (!r.status.ok()) {
        absl::StrAppend(&entry, ",\"code\":", JsonQuote(absl::AsciiStrToLower(absl::StatusCodeToString(r.status.code()))),
                        ",\"reason\":", JsonQuote(reason));
      }
      entry += "}";
      if (out.size() + entry.size() + 40 > kMaxOutputBytes) break;
      out += entry;
      ++shown;
    }
    absl::StrAppend(&out, "]");
    if (shown < results.size()) absl::StrAppend(&out, ",\"omitted\":", results.size() - shown);
    absl::StrAppend(&out, "}\n");
  } else {
    size_t shown = 0;
    for (const TargetResult& r : results) {
      // Targets and reasons come from arguments and peers: one line each, whatever they hold.
      std::string line = absl::StrCat(r.status.ok() ? "ok   " : "FAIL ", EscapeForTerminal(r.target), " ", FormatElapsed(r.elapsed));
      if (!r.status.ok()) absl::StrAppend(&line, ": ", EscapeForTerminal(r.status.message()));
      line = Truncate(line, line_max) + "\n";
      if (out.size() + line.size() + 40 > kMaxOutputBytes) break;
      out += line;
      ++shown;
    }
    if (shown < results.size()) absl::StrAppend(&out, "... ", results.size() - shown, " more targets not shown\n");
  }
  return Redactor::Global().Scrub(out);
}

int HealthcheckMain(int argc, const char* const* argv, const Env& env) {
  const absl::Time start = absl::Now();
  InitProcess();
  std::string help;
  auto config = ParseHealthcheckArgs(argc, argv, env, &help);
  if (!config.ok()) return UsageError({std::string(config.status().message())}, WantsJson(argc, argv, env), start);
  if (!help.empty()) {
    std::fputs(help.c_str(), stdout);
    return kExitHealthy;
  }
  const bool json = config->format == OutputFormat::kJson;
  if (absl::Status s = InitLogging("healthcheck", config->format, config->log_level); !s.ok()) {
    return UsageError({std::string(s.message())}, json, start);
  }
  const absl::Time deadline = start + config->timeout;
  std::vector<std::unique_ptr<Check>> checks;
  std::vector<std::string> errors;
  for (const std::string& text : config->targets) {
    auto target = ParseTarget(text, env);
    if (!target.ok()) {
      errors.push_back(std::string(target.status().message()));
      continue;
    }
    auto check = MakeCheck(*target, config->check);
    if (!check.ok()) {
      errors.push_back(std::string(check.status().message()));
      continue;
    }
    checks.push_back(*std::move(check));
  }
  if (!errors.empty()) return UsageError(errors, json, start);
  if (!config->serve.empty()) return ServeReadiness(*config, std::move(checks));
  bool abandoned = false;
  std::vector<TargetResult> results = RunChecks(std::move(checks), deadline, &abandoned);
  bool healthy = true;
  for (const TargetResult& r : results) {
    healthy &= r.status.ok();
    spdlog::debug("{} {} after {}", r.target, r.status.ok() ? "ok" : std::string(r.status.message()),
                  FormatElapsed(r.elapsed));
  }
  std::string out = FormatResults(results, config->format, absl::Now() - start);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  std::fflush(stderr);
  const int code = healthy ? kExitHealthy : kExitUnhealthy;
  // A probe thread still running would use its check after main returns: leave at once.
  if (abandoned) std::_Exit(code);
  return code;
}

}  // namespace noshell
