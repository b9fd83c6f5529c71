// entrypoint/container_facts.cc — see container_facts.h.
#include "entrypoint/container_facts.h"

#include <sched.h>
#include <unistd.h>

#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file.h"

namespace noshell {
namespace {

// cgroup v1 reports "no limit" as a page-rounded LONG_MAX; anything above 2^60 bytes is none.
constexpr int64_t kUnlimitedAbove = int64_t{1} << 60;

std::optional<std::string> Slurp(const std::string& path) {
  auto data = ReadWholeFile(path, 1 << 20, "");
  if (!data.ok()) return std::nullopt;
  return *std::move(data);
}

// The cgroup path of this process for a v2 ("") or v1 controller ("memory", "cpu").
std::optional<std::string> CgroupPath(absl::string_view self_cgroup, absl::string_view controller) {
  for (absl::string_view line : absl::StrSplit(self_cgroup, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    if (controller.empty() ? (f[0] == "0" && f[1].empty())
                           : absl::c_linear_search(std::vector<absl::string_view>(absl::StrSplit(f[1], ',')), controller)) {
      return std::string(f[2]);
    }
  }
  return std::nullopt;
}

// `dir` and each ancestor up to `base`, innermost first.
std::vector<std::string> SelfAndAncestors(const std::string& base, std::string path) {
  std::vector<std::string> out;
  while (true) {
    out.push_back(base + (path == "/" ? "" : path));
    if (path.empty() || path == "/") break;
    size_t slash = path.rfind('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
  return out;
}

std::optional<int64_t> Min(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

std::optional<int64_t> ParseCgroup2MemoryMax(absl::string_view content) {
  content = absl::StripAsciiWhitespace(content);
  int64_t v = 0;
  if (content == "max" || !absl::SimpleAtoi(content, &v) || v <= 0) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseCgroup2CpuMax(absl::string_view content) {
  std::vector<absl::string_view> f = absl::StrSplit(absl::StripAsciiWhitespace(content), ' ', absl::SkipEmpty());
  int64_t quota = 0, period = 100000;
  if (f.empty() || f[0] == "max" || !absl::SimpleAtoi(f[0], &quota) || quota <= 0) return std::nullopt;
  if (f.size() > 1 && (!absl::SimpleAtoi(f[1], &period) || period <= 0)) return std::nullopt;
  return quota * 1000 / period;
}

std::optional<int64_t> ParseCgroup1MemoryLimit(absl::string_view content) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(content), &v) || v <= 0 || v >= kUnlimitedAbove) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseCgroup1Cpu(absl::string_view quota, absl::string_view period) {
  int64_t q = 0, p = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(quota), &q) || q <= 0) return std::nullopt;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(period), &p) || p <= 0) return std::nullopt;
  return q * 1000 / p;
}

std::optional<int64_t> ParseMemTotal(absl::string_view meminfo) {
  for (absl::string_view line : absl::StrSplit(meminfo, '\n')) {
    if (!absl::ConsumePrefix(&line, "MemTotal:")) continue;
    line = absl::StripSuffix(absl::StripAsciiWhitespace(line), "kB");
    int64_t kb = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kb)) return kb * 1024;
  }
  return std::nullopt;
}

ContainerFacts ReadContainerFacts(const std::string& root) {
  const std::string r = root == "/" ? "" : root;
  ContainerFacts f;
  const std::string self = Slurp(r + "/proc/self/cgroup").value_or("");
  std::optional<int64_t> mem, cpu;
  if (auto v2 = CgroupPath(self, ""); v2.has_value() && Slurp(r + "/sys/fs/cgroup/cgroup.controllers").has_value()) {
    for (const std::string& dir : SelfAndAncestors(r + "/sys/fs/cgroup", *v2)) {
      if (auto c = Slurp(dir + "/memory.max")) mem = Min(mem, ParseCgroup2MemoryMax(*c));
      if (auto c = Slurp(dir + "/cpu.max")) cpu = Min(cpu, ParseCgroup2CpuMax(*c));
    }
    if (mem) f.memory_source = "cgroup2";
    if (cpu) f.cpu_source = "cgroup2";
  } else {
    if (auto path = CgroupPath(self, "memory")) {
      for (const std::string& dir : SelfAndAncestors(r + "/sys/fs/cgroup/memory", *path)) {
        if (auto c = Slurp(dir + "/memory.limit_in_bytes")) mem = Min(mem, ParseCgroup1MemoryLimit(*c));
      }
      if (mem) f.memory_source = "cgroup1";
    }
    if (auto path = CgroupPath(self, "cpu")) {
      for (const std::string& dir : SelfAndAncestors(r + "/sys/fs/cgroup/cpu", *path)) {
        auto q = Slurp(dir + "/cpu.cfs_quota_us");
        auto p = Slurp(dir + "/cpu.cfs_period_us");
        if (q && p) cpu = Min(cpu, ParseCgroup1Cpu(*q, *p));
      }
      if (cpu) f.cpu_source = "cgroup1";
    }
  }
  // A limit above the machine's memory (or none) means the machine's memory.
  std::optional<int64_t> host_mem = ParseMemTotal(Slurp(r + "/proc/meminfo").value_or(""));
  if (!mem || (host_mem && *host_mem < *mem)) {
    mem = host_mem.value_or(0);
    f.memory_source = "host";
  }
  f.memory_limit_bytes = *mem;
  int64_t host_cpus = 0;
  if (root == "/") {
    cpu_set_t set;
    host_cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
  } else {
    for (absl::string_view line : absl::StrSplit(Slurp(r + "/proc/cpuinfo").value_or(""), '\n')) {
      host_cpus += absl::StartsWith(line, "processor") ? 1 : 0;
    }
  }
  if (!cpu || *cpu > host_cpus * 1000) {
    cpu = std::max<int64_t>(host_cpus, 1) * 1000;
    f.cpu_source = "host";
  }
  f.cpu_limit_millis = *cpu;
  return f;
}

void AddContainerFacts(const ContainerFacts& f, MapEnv* env) {
  env->Set("CONTAINER_MEMORY_LIMIT_BYTES", absl::StrCat(f.memory_limit_bytes));
  env->Set("CONTAINER_MEMORY_LIMIT_MB", absl::StrCat(f.memory_limit_bytes / (1024 * 1024)));
  env->Set("CONTAINER_CPU_LIMIT_MILLI", absl::StrCat(f.cpu_limit_millis));
  env->Set("CONTAINER_CPU_COUNT", absl::StrCat(std::max<int64_t>(1, (f.cpu_limit_millis + 999) / 1000)));
  env->Set("CONTAINER_LIMITS_SOURCE", absl::StrCat("memory:", f.memory_source, " cpu:", f.cpu_source));
}

}  // namespace noshell
