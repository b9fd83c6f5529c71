// common/logging.cc — a scrubbing stderr sink for spdlog.
#include "common/logging.h"

#include <cstdio>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/json.h"
#include "common/redact.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

class ScrubbingStderrSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ScrubbingStderrSink(OutputFormat format) : format_(format) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text = TruncateUtf8(Redactor::Global().Scrub(absl::string_view(msg.payload.data(), msg.payload.size())),
                                    kMaxMessageBytes);
    absl::Time t = absl::FromChrono(msg.time);
    std::string when = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
    absl::string_view level(spdlog::level::to_string_view(msg.level).data(),
                            spdlog::level::to_string_view(msg.level).size());
    absl::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    std::string line;
    if (format_ == OutputFormat::kJson) {
      line = absl::StrCat("{\"time\":\"", when, "\",\"level\":\"", level, "\",\"program\":", JsonQuote(logger),
                          ",\"msg\":", JsonQuote(text), "}\n");
    } else {
      line = absl::StrCat(when, " ", logger, " ", level, ": ", EscapeForTerminal(text), "\n");
    }
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  OutputFormat format_;
};

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view s) {
  if (s == "text") return OutputFormat::kText;
  if (s == "json") return OutputFormat::kJson;
  return absl::InvalidArgumentError(absl::StrCat("format \"", s, "\": want text or json"));
}

absl::Status CheckLogLevel(absl::string_view level) {
  if (spdlog::level::from_str(std::string(level)) == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(absl::StrCat("log level \"", level, "\": want trace, debug, info, warn, error or off"));
  }
  return absl::OkStatus();
}

absl::Status InitLogging(absl::string_view program, OutputFormat format, absl::string_view level) {
  NOSHELL_RETURN_IF_ERROR(CheckLogLevel(level));
  spdlog::level::level_enum lvl = spdlog::level::from_str(std::string(level));
  auto logger = std::make_shared<spdlog::logger>(std::string(program), std::make_shared<ScrubbingStderrSink>(format));
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
  return absl::OkStatus();
}

}  // namespace noshell
