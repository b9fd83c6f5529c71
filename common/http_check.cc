// common/http_check.cc — HTTP(S) readiness: one GET, verdict on status (and optionally body).
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/redact.h"
#include "common/status_macros.h"
#include "common/url.h"
#include "common/verdict.h"

namespace noshell {
namespace {

constexpr size_t kMaxBody = 64 * 1024;
// Everything read for one response (heads, chunk framing, body) stops here: the verdict never
// needs more, and a peer that streams for ever costs neither memory nor quadratic re-decoding.
constexpr size_t kMaxResponse = 256 * 1024;
// Interim (1xx) responses skipped before the final one.
constexpr int kMaxInterim = 16;

class HttpCheck : public Check {
 public:
  HttpCheck(const Target& t, const CheckOptions& o) : target_(t), options_(o) {}
  std::string Describe() const override { return target_.display; }

  absl::Status Probe(absl::Time deadline) override {
    NOSHELL_ASSIGN_OR_RETURN(std::unique_ptr<Stream> stream,
                             OpenStream(target_.host, target_.port, target_.tls, options_.tls, deadline));
    const bool default_port = target_.port == (target_.tls ? 443 : 80);
    std::string host_header = default_port ? (target_.host.find(':') != std::string::npos
                                                  ? absl::StrCat("[", target_.host, "]") : target_.host)
                                           : JoinHostPort(target_.host, target_.port);
    std::string req = absl::StrCat("GET ", target_.request, " HTTP/1.1\r\nHost: ", host_header,
                                   "\r\nUser-Agent: noshell-healthcheck\r\nAccept: */*\r\nConnection: close\r\n");
    if (!target_.user.empty() || target_.password.has_value()) {
      const std::string credentials = absl::Base64Escape(absl::StrCat(target_.user, ":", target_.password.value_or("")));
      // A server that echoes the request (in a reason phrase, an error page) must not print it.
      Redactor::Global().Add(credentials);
      absl::StrAppend(&req, "Authorization: Basic ", credentials, "\r\n");
    }
    req += "\r\n";
    NOSHELL_RETURN_IF_ERROR(stream->WriteAll(req, deadline));

    std::string buf;
    std::optional<HttpHead> head;
    char chunk[16384];
    bool eof = false;
    int interim = 0;
    for (;;) {
      while (!head.has_value()) {
        NOSHELL_ASSIGN_OR_RETURN(head, ParseHttpHead(buf));
        // 1xx heads (100 Continue, 103 Early Hints) are interim: the final response follows
        // (RFC 9110 15.2). 101 would switch protocols, which a GET without Upgrade never asks for.
        if (head.has_value() && head->status >= 100 && head->status < 200 && head->status != 101) {
          if (++interim > kMaxInterim) {
            return absl::UnavailableError(absl::StrCat("more than ", kMaxInterim, " interim (1xx) responses"));
          }
          buf.erase(0, head->head_len);
          head.reset();
          continue;
        }
        break;
      }
      if (head.has_value()) {
        if (options_.http_body.empty()) return HttpVerdict(*head, options_.http_status, "", "", true);
        absl::string_view raw = absl::string_view(buf).substr(head->head_len);
        bool complete = eof;
        std::string body;
        if (head->chunked) {
          NOSHELL_ASSIGN_OR_RETURN(body, DecodeChunked(raw, &complete));
          complete |= eof;
        } else {
          body = std::string(raw);
          if (head->content_length.has_value() && body.size() >= *head->content_length) complete = true;
        }
        if (complete || body.size() >= kMaxBody) {
          return HttpVerdict(*head, options_.http_status, body, options_.http_body, complete);
        }
      } else if (eof) {
        return absl::UnavailableError("connection closed before a complete HTTP response");
      }
      absl::StatusOr<size_t> n = stream->Read(chunk, sizeof chunk, deadline);
      if (!n.ok()) {
        if (absl::IsDeadlineExceeded(n.status())) {
          return absl::DeadlineExceededError(head.has_value() ? "timed out reading the response body"
                                                              : "timed out waiting for the HTTP response");
        }
        return n.status();
      }
      if (*n == 0) eof = true;
      buf.append(chunk, *n);
      if (buf.size() > kMaxResponse && !eof) {
        if (!head.has_value()) return absl::UnavailableError("HTTP response head larger than 16 KiB");
        // The body check has what it can have: decide on that, as on a body longer than 64 KiB.
        eof = true;
      }
    }
  }

 private:
  Target target_;
  CheckOptions options_;
};

}  // namespace

std::unique_ptr<Check> NewHttpCheck(const Target& target, const CheckOptions& options) {
  return std::make_unique<HttpCheck>(target, options);
}

}  // namespace noshell
