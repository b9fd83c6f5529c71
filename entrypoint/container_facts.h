// entrypoint/container_facts.h — the container's CPU and memory limits, for config templates
// (`shared_buffers = $(( CONTAINER_MEMORY_LIMIT_MB / 4 ))MB`). Read from cgroup v2, or v1, of the
// process's own cgroup and its ancestors (the tightest limit wins), falling back to the host.
#ifndef NOSHELL_ENTRYPOINT_CONTAINER_FACTS_H_
#define NOSHELL_ENTRYPOINT_CONTAINER_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/env.h"

namespace noshell {

struct ContainerFacts {
  int64_t memory_limit_bytes = 0;
  std::string memory_source;  // "cgroup2", "cgroup1" or "host"
  int64_t cpu_limit_millis = 0;
  std::string cpu_source;
};

// Pure parsers of cgroup files; nullopt means "no limit".
std::optional<int64_t> ParseCgroup2MemoryMax(absl::string_view content);     // "max" or bytes
std::optional<int64_t> ParseCgroup2CpuMax(absl::string_view content);        // "max 100000" or "150000 100000" -> 1500
std::optional<int64_t> ParseCgroup1MemoryLimit(absl::string_view content);   // huge values mean none
std::optional<int64_t> ParseCgroup1Cpu(absl::string_view quota, absl::string_view period);
std::optional<int64_t> ParseMemTotal(absl::string_view meminfo);             // bytes

// Reads the facts below `root` ("/" in production; a fake tree in tests): root/proc/self/cgroup,
// root/sys/fs/cgroup/..., root/proc/meminfo, root/proc/cpuinfo (or the CPUs we may run on).
ContainerFacts ReadContainerFacts(const std::string& root = "/");

// CONTAINER_MEMORY_LIMIT_BYTES, CONTAINER_MEMORY_LIMIT_MB, CONTAINER_CPU_LIMIT_MILLI,
// CONTAINER_CPU_COUNT (rounded up, at least 1), CONTAINER_LIMITS_SOURCE ("memory:cgroup2 cpu:cgroup2"...).
void AddContainerFacts(const ContainerFacts& facts, MapEnv* env);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_CONTAINER_FACTS_H_
