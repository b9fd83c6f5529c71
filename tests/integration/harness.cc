// tests/integration/harness.cc — servers, processes and certificates for integration tests.
#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace noshell::testing {

bool HideShells() {
  // A mount namespace of its own in which every shell this machine has is /dev/null: running one
  // fails with EACCES, as in an image that holds none.
  if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
  for (const char* shell : kShells) {
    struct stat st;
    if (lstat(shell, &st) == 0 && S_ISREG(st.st_mode) && mount("/dev/null", shell, nullptr, MS_BIND, nullptr) != 0) return false;
  }
  return true;
}

namespace {

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";
constexpr const char* kDefaultPath = "/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

void Require(const std::string& path, const std::string& package) {
  if (access(path.c_str(), X_OK) != 0) {
    ADD_FAILURE() << path << " is missing: install the Debian package " << package
                  << " (scripts/install-deps.sh does)";
    std::abort();
  }
}

std::vector<std::string> EnvStrings(const RunOptions& o) {
  std::map<std::string, std::string> env = o.env;
  env.emplace("PATH", kDefaultPath);
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// fork + exec with redirection; returns the child pid. Runs in the child only async-signal-safe
// work after fork (everything is prepared before).
pid_t Spawn(const std::vector<std::string>& argv, const RunOptions& o, int out_fd, int err_fd) {
  std::vector<std::string> env_strings = EnvStrings(o);
  const char* stdin_path = o.stdin_path.empty() ? "/dev/null" : o.stdin_path.c_str();
  std::vector<char*> args, envp;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const std::string& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  setpgid(0, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  int in = open(stdin_path, O_RDONLY);
  if (in < 0) _exit(125);
  dup2(in, 0);
  if (!o.chroot_dir.empty()) {
    if (chroot(o.chroot_dir.c_str()) != 0 || chdir("/") != 0) _exit(125);
  }
  if (o.no_shell && !HideShells()) _exit(125);
  if (o.gid != static_cast<gid_t>(-1)) {
    setgroups(0, nullptr);
    if (setgid(o.gid) != 0) _exit(125);
  }
  if (o.uid != static_cast<uid_t>(-1) && setuid(o.uid) != 0) _exit(125);
  execvpe(args[0], args.data(), envp.data());
  _exit(errno == ENOENT ? 127 : 126);
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

bool TcpConnects(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  close(fd);
  return ok;
}

void WaitForPort(int port, const std::string& what, const std::string& log) {
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!TcpConnects(port)) {
    if (absl::Now() > deadline) {
      ADD_FAILURE() << what << " did not listen on port " << port << "; log:\n" << ReadFile(log);
      return;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

RunOptions AsServer() {
  RunOptions o;
  if (geteuid() == 0) {
    o.uid = ServerUid();
    o.gid = ServerGid();
  }
  return o;
}

void MustRun(const std::vector<std::string>& argv, const RunOptions& o = {}) {
  RunResult r = RunCommand(argv, o);
  ASSERT_EQ(r.exit_code, 0) << absl::StrJoin(argv, " ") << "\nstdout: " << r.out << "\nstderr: " << r.err;
}

}  // namespace

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return ntohs(sa.sin_port);
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/noshell-XXXXXX";
  char* p = mkdtemp(tmpl);
  if (p == nullptr) std::abort();
  path_ = p;
  chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  f.close();
  chmod(path.c_str(), mode);
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

RunResult RunCommand(const std::vector<std::string>& argv, const RunOptions& o) {
  TempDir tmp;
  std::string out_path = tmp.Join("out"), err_path = tmp.Join("err");
  int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  absl::Time start = absl::Now();
  pid_t pid = Spawn(argv, o, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  RunResult r;
  int status = 0;
  absl::Time deadline = start + o.timeout;
  rusage usage{};
  for (;;) {
    pid_t w = wait4(pid, &status, WNOHANG, &usage);
    if (w == pid) break;
    if (absl::Now() > deadline) {
      kill(-pid, SIGKILL);
      wait4(pid, &status, 0, &usage);
      ADD_FAILURE() << "timed out: " << absl::StrJoin(argv, " ");
      break;
    }
    absl::SleepFor(absl::Microseconds(200));
  }
  r.elapsed = absl::Now() - start;
  r.exit_code = DecodeStatus(status);
  r.max_rss_kb = usage.ru_maxrss;
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

Process::Process(const std::vector<std::string>& argv, const RunOptions& options, const std::string& log_path) {
  int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_ = Spawn(argv, options, fd, fd);
  close(fd);
}

Process::~Process() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Process::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int Process::Wait() {
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return DecodeStatus(status);
}

std::string BinaryPath(const std::string& name) { return std::string(NOSHELL_BIN_DIR) + "/" + name; }

uid_t ServerUid() {
  if (geteuid() != 0) return geteuid();
  passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    ADD_FAILURE() << "running as root needs the \"postgres\" user (Debian package postgresql-15)";
    std::abort();
  }
  return pw->pw_uid;
}

gid_t ServerGid() {
  if (geteuid() != 0) return getegid();
  return getpwnam("postgres")->pw_gid;
}

void ChownTree(const std::string& path, uid_t uid, gid_t gid) {
  if (geteuid() != 0) return;
  lchown(path.c_str(), uid, gid);
  for (const auto& e : std::filesystem::recursive_directory_iterator(path)) {
    lchown(e.path().c_str(), uid, gid);
  }
}

Certs MakeCerts(const std::string& dir, const std::string& ca_name) {
  Require("/usr/bin/openssl", "openssl");
  Certs c{dir + "/ca.crt", dir + "/server.crt", dir + "/server.key"};
  std::string ca_key = dir + "/ca.key", csr = dir + "/server.csr", ext = dir + "/san.ext";
  WriteFile(ext, "subjectAltName=DNS:localhost,DNS:dbhost,IP:127.0.0.1,IP:::1\n");
  MustRun({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", ca_key, "-out", c.ca_cert, "-subj", "/CN=" + ca_name, "-days", "2"});
  MustRun({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           c.server_key, "-out", csr, "-subj", "/CN=localhost"});
  MustRun({"openssl", "x509", "-req", "-in", csr, "-CA", c.ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-out",
           c.server_cert, "-days", "2", "-extfile", ext});
  chmod(c.server_key.c_str(), 0600);
  ChownTree(dir, ServerUid(), ServerGid());
  return c;
}

PgServer::PgServer(const Options& options) {
  Require(std::string(kPgBin) + "/initdb", "postgresql-15");
  port_ = FreePort();
  data_ = dir_.Join("data");
  socket_dir_ = dir_.path();
  if (options.tls) {
    std::filesystem::create_directory(dir_.Join("certs"));
    certs_ = MakeCerts(dir_.Join("certs"));
  }
  WriteFile(dir_.Join("pw"), options.password + "\n", 0600);
  ChownTree(dir_.path(), ServerUid(), ServerGid());
  MustRun({std::string(kPgBin) + "/initdb", "-D", data_, "-U", "app", "--pwfile=" + dir_.Join("pw"),
           "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions"},
          AsServer());
  WriteConf(options);
  Start();
  Psql("CREATE DATABASE app", "postgres");
}

PgServer::PgServer(int port, const std::string& data, const PgServer* primary, const std::string& extra_conf) {
  port_ = port;
  data_ = dir_.Join("data");
  socket_dir_ = dir_.path();
  ChownTree(dir_.path(), ServerUid(), ServerGid());
  MustRun({std::string(kPgBin) + "/pg_basebackup", "-D", data_, "-R", "-X", "stream", "-h", primary->socket_dir_,
           "-p", std::to_string(primary->port_), "-U", "app", "--no-sync", "-c", "fast"},
          AsServer());
  (void)data;
  std::ofstream conf(data_ + "/postgresql.auto.conf", std::ios::app);
  conf << "port = " << port_ << "\nunix_socket_directories = '" << socket_dir_ << "'\n" << extra_conf << "\n";
  conf.close();
  Start();
}

std::unique_ptr<PgServer> PgServer::MakeStandby(const std::string& extra_conf) const {
  return std::unique_ptr<PgServer>(new PgServer(FreePort(), "", this, extra_conf));
}

void PgServer::WriteConf(const Options& options) {
  std::ofstream conf(data_ + "/postgresql.auto.conf", std::ios::app);
  conf << "port = " << port_ << "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '" << socket_dir_
       << "'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 50\n"
       << "shared_buffers = 16MB\nmax_wal_senders = 5\nwal_level = replica\n";
  if (options.tls) {
    conf << "ssl = on\nssl_cert_file = '" << certs_.server_cert << "'\nssl_key_file = '" << certs_.server_key << "'\n";
  }
  conf << options.extra_conf << "\n";
  conf.close();
  if (!options.hba_lines.empty()) {
    WriteFile(data_ + "/pg_hba.conf",
              "local all all trust\nlocal replication all trust\n" + absl::StrJoin(options.hba_lines, "\n") + "\n", 0600);
    ChownTree(data_, ServerUid(), ServerGid());
  }
}

void PgServer::Start() {
  MustRun({std::string(kPgBin) + "/pg_ctl", "-D", data_, "-l", dir_.Join("log"), "-w", "-t", "60", "start"}, AsServer());
  running_ = true;
}

void PgServer::Stop() {
  if (!running_) return;
  RunCommand({std::string(kPgBin) + "/pg_ctl", "-D", data_, "-m", "immediate", "-w", "stop"}, AsServer());
  running_ = false;
}

PgServer::~PgServer() { Stop(); }

std::string PgServer::Url(const std::string& db) const {
  return absl::StrCat("postgres://app:apppass@127.0.0.1:", port_, "/", db);
}

std::string PgServer::Psql(const std::string& sql, const std::string& db) const {
  RunResult r = RunCommand({std::string(kPgBin) + "/psql", "-h", socket_dir_, "-p", std::to_string(port_), "-U", "app", "-d",
                     db, "-v", "ON_ERROR_STOP=1", "-XAtq", "-c", sql});
  EXPECT_EQ(r.exit_code, 0) << sql << ": " << r.err;
  return std::string(absl::StripTrailingAsciiWhitespace(r.out));
}

RedisServer::RedisServer(const std::vector<std::string>& extra_args, bool tls, bool wait_ready) {
  Require("/usr/bin/redis-server", "redis-server");
  port_ = FreePort();
  std::vector<std::string> argv = {"redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                   "--dir", dir_.path()};
  if (tls) {
    certs_ = MakeCerts(dir_.path());
    for (const char* a : {"--port", "0", "--tls-auth-clients", "no"}) argv.emplace_back(a);
    argv.insert(argv.end(), {"--tls-port", std::to_string(port_), "--tls-cert-file", certs_.server_cert,
                             "--tls-key-file", certs_.server_key, "--tls-ca-cert-file", certs_.ca_cert});
  } else {
    argv.insert(argv.end(), {"--port", std::to_string(port_)});
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  proc_ = std::make_unique<Process>(argv, RunOptions(), dir_.Join("log"));
  WaitForPort(port_, "redis-server", dir_.Join("log"));
  if (tls || !wait_ready) return;
  // Up when it answers: PONG, or NOAUTH from one started with --requirepass (redis-cli here has
  // no password; waiting for PONG from it would take the whole deadline).
  auto up = [this] {
    const std::string reply = Cli({"PING"});
    return reply == "PONG" || reply.find("NOAUTH") != std::string::npos;
  };
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!up() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
}

RedisServer::~RedisServer() { Stop(); }

void RedisServer::Stop() {
  if (proc_ == nullptr) return;
  proc_->Signal(SIGKILL);
  proc_->Wait();
  proc_.reset();
}

std::string RedisServer::Cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-p", std::to_string(port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = RunCommand(argv);
  return std::string(absl::StripTrailingAsciiWhitespace(r.out));
}

HttpServer::HttpServer(const Certs* tls) {
  Require("/usr/bin/python3", "python3");
  port_ = FreePort();
  std::vector<std::string> argv = {"/usr/bin/python3", std::string(NOSHELL_TEST_SRC_DIR) + "/integration/http_server.py",
                                   std::to_string(port_)};
  if (tls != nullptr) argv.insert(argv.end(), {tls->server_cert, tls->server_key});
  proc_ = std::make_unique<Process>(argv, RunOptions(), dir_.Join("log"));
  WaitForPort(port_, "http_server.py", dir_.Join("log"));
}

HttpServer::~HttpServer() = default;

FaultPeer::FaultPeer(const std::string& behaviour) {
  Require("/usr/bin/python3", "python3");
  port_ = FreePort();
  proc_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/python3", std::string(NOSHELL_TEST_SRC_DIR) + "/integration/fault_peer.py",
                               std::to_string(port_), behaviour},
      RunOptions(), dir_.Join("log"));
  WaitForPort(port_, "fault_peer.py " + behaviour, dir_.Join("log"));
}

FaultPeer::~FaultPeer() = default;

PgBouncer::PgBouncer(const PgServer& pg, int pool_size) {
  Require("/usr/sbin/pgbouncer", "pgbouncer");
  port_ = FreePort();
  WriteFile(dir_.Join("pgbouncer.ini"),
            absl::StrCat("[databases]\n* = host=127.0.0.1 port=", pg.port(), " user=app password=apppass\n",
                         "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ", port_,
                         "\nunix_socket_dir =\nauth_type = any\npool_mode = transaction\ndefault_pool_size = ", pool_size,
                         "\nmax_client_conn = 200\nlogfile = ", dir_.Join("pgbouncer.log"), "\npidfile = ",
                         dir_.Join("pgbouncer.pid"), "\n"));
  ChownTree(dir_.path(), ServerUid(), ServerGid());
  proc_ = std::make_unique<Process>(std::vector<std::string>{"/usr/sbin/pgbouncer", dir_.Join("pgbouncer.ini")}, AsServer(),
                                    dir_.Join("stdout.log"));
  WaitForPort(port_, "pgbouncer", dir_.Join("pgbouncer.log"));
}

PgBouncer::~PgBouncer() = default;

std::string PgBouncer::Url(const std::string& db) const {
  return absl::StrCat("postgres://app:unused@127.0.0.1:", port_, "/", db);
}

BlackHole::BlackHole() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  listen(fd_, 64);
  socklen_t len = sizeof sa;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);
}

BlackHole::~BlackHole() { close(fd_); }

std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: test\r\n\r\n");
    (void)!send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

}  // namespace noshell::testing
