// tests/integration/harness.h — real servers and processes for integration tests.
// Starts throwaway PostgreSQL 15 and Redis 7 servers from the Debian packages on free loopback
// ports in temp dirs, runs our built binaries as child processes, and makes TLS certificates with
// the openssl tool. A missing server binary fails the test with what to install; nothing skips.
#ifndef NOSHELL_TESTS_INTEGRATION_HARNESS_H_
#define NOSHELL_TESTS_INTEGRATION_HARNESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace noshell::testing {

// A loopback TCP port that was free a moment ago.
int FreePort();

// A temp directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& content, mode_t mode = 0644);
std::string ReadFile(const std::string& path);

struct RunResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
  absl::Duration elapsed;
  long max_rss_kb = 0;  // the child's peak resident set size
};

struct RunOptions {
  std::map<std::string, std::string> env;  // the child's whole environment (plus PATH)
  uid_t uid = static_cast<uid_t>(-1);       // run as this user when set (we are root)
  gid_t gid = static_cast<gid_t>(-1);
  absl::Duration timeout = absl::Seconds(60);
  std::string chroot_dir;                   // chroot before exec (root only)
  std::string stdin_path;                   // the child's stdin (default /dev/null)
  bool no_shell = false;                    // no shell can run in the child's mounts (root only)
};

// The shells a Debian machine may have (the targets of /bin/sh and friends).
inline constexpr const char* kShells[] = {"/usr/bin/dash", "/usr/bin/bash", "/bin/dash", "/bin/bash", "/usr/bin/sh", "/bin/sh",
                                          "/usr/bin/busybox", "/bin/busybox", "/usr/bin/zsh", "/usr/bin/ksh", "/usr/bin/mksh"};

// In a child about to run something (root only): a mount namespace of its own in which every
// shell of kShells is /dev/null, so none can run. False when that is not permitted.
bool HideShells();

// Runs argv[0] (a path; PATH is searched) to completion and captures its output.
RunResult RunCommand(const std::vector<std::string>& argv, const RunOptions& options = {});

// A long-running child process, killed (SIGKILL to its group) on destruction unless stopped.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const RunOptions& options, const std::string& log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  int Wait();  // exit status as a shell would report it

 private:
  pid_t pid_ = -1;
};

// GET `path` from 127.0.0.1:`port` (one request, read until the server closes); the whole
// response, or "" when nothing answers.
std::string HttpGet(int port, const std::string& path);

// The built binary `name` (healthcheck, migrate, entrypoint) of this build.
std::string BinaryPath(const std::string& name);

// The uid/gid servers run as: "postgres" when we are root (initdb refuses root), else ourselves.
uid_t ServerUid();
gid_t ServerGid();
void ChownTree(const std::string& path, uid_t uid, gid_t gid);

// A CA and a server certificate for "localhost" and 127.0.0.1, signed by it.
struct Certs {
  std::string ca_cert, server_cert, server_key;
};
Certs MakeCerts(const std::string& dir, const std::string& ca_name = "noshell-test-ca");

// A throwaway PostgreSQL cluster.
class PgServer {
 public:
  struct Options {
    std::string password = "apppass";       // for the "app" superuser (scram-sha-256 over TCP)
    bool tls = false;                       // ssl=on with MakeCerts() certificates
    std::vector<std::string> hba_lines;     // replace the default TCP rules
    std::string extra_conf;
  };
  PgServer() : PgServer(Options()) {}
  explicit PgServer(const Options& options);
  ~PgServer();

  int port() const { return port_; }
  const std::string& dir() const { return dir_.path(); }
  const std::string& socket_dir() const { return socket_dir_; }
  const Certs& certs() const { return certs_; }
  std::string Url(const std::string& db = "app") const;
  // Runs SQL through psql on the unix socket as the superuser; fails the test on error.
  std::string Psql(const std::string& sql, const std::string& db = "app") const;
  // A hot standby streaming from this server, made with pg_basebackup -R.
  std::unique_ptr<PgServer> MakeStandby(const std::string& extra_conf = "") const;
  void Stop();
  void Start();

 private:
  PgServer(int port, const std::string& data_from_primary, const PgServer* primary, const std::string& extra_conf);
  void WriteConf(const Options& options);

  TempDir dir_;
  int port_ = 0;
  std::string data_, socket_dir_;
  Certs certs_;
  bool running_ = false;
};

// A throwaway redis-server.
class RedisServer {
 public:
  explicit RedisServer(const std::vector<std::string>& extra_args = {}, bool tls = false, bool wait_ready = true);
  ~RedisServer();
  int port() const { return port_; }
  const Certs& certs() const { return certs_; }
  const std::string& dir() const { return dir_.path(); }
  // redis-cli against this server (plain port only); returns stdout.
  std::string Cli(const std::vector<std::string>& args) const;
  void Stop();

 private:
  TempDir dir_;
  int port_ = 0;
  Certs certs_;
  std::unique_ptr<Process> proc_;
};

// A tiny HTTP(S) server (python3, tests/integration/http_server.py): /ok -> 200 "status: ok",
// /fail -> 503, anything else 404.
class HttpServer {
 public:
  explicit HttpServer(const Certs* tls = nullptr);
  ~HttpServer();
  int port() const { return port_; }

 private:
  int port_ = 0;
  TempDir dir_;
  std::unique_ptr<Process> proc_;
};

// A real PgBouncer (Debian package) in front of `pg`, in transaction pooling mode with a small
// pool, so clients share server connections between transactions.
class PgBouncer {
 public:
  explicit PgBouncer(const PgServer& pg, int pool_size = 2);
  ~PgBouncer();
  int port() const { return port_; }
  std::string Url(const std::string& db) const;

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

// A misbehaving server (tests/integration/fault_peer.py): transport faults, and Postgres, Redis
// and HTTP peers that answer wrongly, endlessly or not at all. `behaviour` is one of the names in
// fault_peer.py's BEHAVIOURS, e.g. "pg-silent-after-login", "redis-huge-bulk", "http-early-hints".
class FaultPeer {
 public:
  explicit FaultPeer(const std::string& behaviour);
  ~FaultPeer();
  int port() const { return port_; }

 private:
  int port_ = 0;
  TempDir dir_;
  std::unique_ptr<Process> proc_;
};

// A listener that completes TCP handshakes (the kernel does) but never reads or answers.
class BlackHole {
 public:
  BlackHole();
  ~BlackHole();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace noshell::testing

#endif  // NOSHELL_TESTS_INTEGRATION_HARNESS_H_
